"""``fastact bench``: a tiny run writes a well-formed report, JSON and plots, ``--from-json``
rebuilds the same report, the peers compute what fastact computes, and the statistics of the
claim give the verdicts they should on synthetic samples. No assertion is on a timing."""

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

import fastact
from fastact._catalog import ELEMENTWISE
from fastact.bench import cases, measure, report, timing

FUNCTIONS = "relu,sigmoid,softmax[10]"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One tiny ``python -m fastact bench`` run (a subprocess, as a user runs it)."""
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "fastact", "bench", "--sizes", "2000", "--functions", FUNCTIONS,
                           "--budget", "0.01", "--peers", "numpy", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out, done


def test_smoke_writes_a_complete_json(smoke):
    out, _ = smoke
    results = json.loads((out / "results.json").read_text())
    implementations = results["meta"]["implementations"]
    assert "fastact/numba" in implementations and "numpy" in implementations
    seen = {(r["implementation"], r["function"], r["op"]) for r in results["records"]}
    for function in FUNCTIONS.split(","):
        for op in cases.OPS:
            assert ("fastact/numba", function, op) in seen
            assert ("numpy", function, op) in seen
    for r in results["records"]:
        assert r["dtype"] == "float32" and r["n"] == 2000
        assert len(r["samples_ns"]) == len(r["probe_ns"]) >= 5
        assert all(isinstance(t, int) and t > 0 for t in r["samples_ns"] + r["probe_ns"])
        assert r["streams"] == cases.STREAMS[r["op"]]


def test_smoke_report_and_table(smoke):
    out, done = smoke
    text = (out / "report.md").read_text()
    for heading in ("## Fixed costs", "## Results", "### float32, n = 2e3, forward", "## Memory",
                    "## The claim", "### Summary", "## What each implementation runs"):
        assert heading in text
    assert "sigmoid / relu" in text and "softmax[10] / sigmoid" in text
    assert "float32  n=2e3  forward" in done.stdout
    assert "[" in done.stderr and "done" in done.stderr  # the progress bar


def test_smoke_plots(smoke):
    out, _ = smoke
    pngs = sorted((out / "plots").glob("*.png")) if (out / "plots").exists() else []
    if importlib.util.find_spec("matplotlib") is None:
        assert pngs == []
        return
    names = {p.name for p in pngs}
    assert {"ns_per_element_relu.png", "ns_per_element_softmax_10.png", "fraction_of_probe_fastact_numba.png"} <= names
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_from_json_rebuilds_the_same_report(smoke, tmp_path):
    out, _ = smoke
    done = subprocess.run([sys.executable, "-m", "fastact", "bench", "--from-json", str(out / "results.json"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.md").read_text() == (out / "report.md").read_text()


def test_from_pytest_benchmark_json(tmp_path):
    def bench(function, op, data, impl="fastact/numba"):
        info = {"implementation": impl, "function": function, "op": op, "dtype": "float64", "n": 1000,
                "elements": 1000, "streams": 2 if op != "backward" else 3, "itemsize": 8, "expression": "e"}
        return {"extra_info": info, "stats": {"median": float(np.median(data)), "data": data}}

    saved = {"datetime": "2026-01-01", "machine_info": {"cpu": {"brand_raw": "cpu"}}, "benchmarks": [
        bench("probe", "probe", [1e-6, 1.1e-6], impl="probe"),
        bench("relu", "forward", [1e-6, 1.2e-6, 1.1e-6]),
        bench("sigmoid", "forward", [4e-6, 4.2e-6, 4.4e-6, 4.1e-6])]}
    path = tmp_path / "pb.json"
    path.write_text(json.dumps(saved))
    results = report.load(path)
    assert {r["function"] for r in results["records"]} == {"relu", "sigmoid"}
    (claim,) = report.claims(results)
    assert (claim["cheaper"], claim["costlier"], claim["paired"], claim["verdict"]) == ("relu", "sigmoid", False, "holds")
    assert "not paired" in report.markdown(results)


def test_verdicts_on_synthetic_samples():
    rng = np.random.default_rng(1)
    a = rng.uniform(1.0, 2.0, 50)
    assert timing.ratio_interval(a, 2 * a) == pytest.approx((2.0, 2.0, 2.0))
    assert timing.verdict(*timing.ratio_interval(a, 2 * a)[1:]) == "holds"
    assert timing.verdict(*timing.ratio_interval(a, 0.5 * a)[1:]) == "fails"
    noisy = a * rng.uniform(0.8, 1.25, 50)
    assert timing.verdict(*timing.ratio_interval(a, noisy)[1:]) == "indistinguishable"
    estimate, low, high = timing.ratio_interval(a, 3 * a[::-1], paired=False)
    assert low <= estimate <= high


def test_every_catalogue_activation_is_a_case():
    keys = cases.functions()
    assert keys[:len(ELEMENTWISE)] == list(ELEMENTWISE)
    assert {c.name for c in cases.cases()} == {f"{k}.{op}" for k in keys for op in cases.OPS}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_every_implementation_computes_the_case(dtype):
    """Each runner writes what fastact's reference computes (so the benchmark compares like with like)."""
    ws = cases.Workspace(3000, dtype)
    tolerance = {"rtol": 1e-4, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-13}
    for impl in cases.implementations(backends=["numba"]):
        for case in cases.cases():
            runner = cases.bind(impl, case, ws)
            if runner is None:
                assert impl != "fastact/numba", f"{impl} lacks {case.name}"  # peers may lack some
                continue
            assert runner.reset() is None, f"{impl} {case.name}: pytest-benchmark's setup must return None"
            runner.call()
            x0, g = ws.shaped(ws.x0, case), ws.shaped(ws.g, case)
            if case.row is not None:
                y = fastact.softmax(x0, backend="numpy")
                expected = y if case.op == "forward" else fastact.softmax_backward(g, y, backend="numpy")
            elif case.op == "forward":
                expected = getattr(fastact, case.function)(x0, **case.kwargs, backend="numpy")
            else:
                expected = getattr(fastact, case.function + "_backward")(g, x0, **case.kwargs, backend="numpy")
            got = runner.result() if runner.result else ws.shaped(ws.x if case.op == "forward" else ws.out, case)
            assert got.dtype == expected.dtype
            np.testing.assert_allclose(got, expected, **tolerance, err_msg=f"{impl} {case.name}")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_jax_peer_has_every_function_jax_has_and_leaves_x0_alone():
    """JAX's forward donates a copy of x0 (never x0 itself); it has every activation but the three
    JAX lacks. Its values are checked with the other implementations above."""
    ws = cases.Workspace(2000, np.float32)
    x0 = ws.x0.copy()
    bound = {case.key for case in cases.cases(ops=("forward",)) if cases.bind("jax", case, ws) is not None}
    assert bound == set(cases.functions()) - {"msaf", "sym_msaf", "threshold"}
    runner = cases.bind("jax", cases.cases(["relu"], ("forward",))[0], ws)
    for _ in range(2):
        runner.reset()
        runner.call()
    np.testing.assert_array_equal(ws.x0, x0)
    np.testing.assert_array_equal(runner.result(), np.maximum(x0, 0))


def test_peers_run_where_they_can():
    """A CPU-only peer is refused beside the cuda backend alone, a GPU-only one beside CPU
    backends alone; a GPU peer without a usable GPU (none, or numba's simulator) is refused with
    the reason."""
    from fastact.bench import gpu, peers

    with pytest.raises(ValueError, match="CPU only"):
        peers.installed(["numpy"], cpu=False, gpu=True)
    with pytest.raises(ValueError, match="GPU only" if importlib.util.find_spec("cupy") else "not installed"):
        peers.installed(["cupy"], cpu=True, gpu=False)
    if gpu.peer_unusable("torch") is not None:
        with pytest.raises(ValueError, match="cannot run on the GPU"):
            peers.installed(["torch"], cpu=False, gpu=True)
        assert peers.installed(["torch"], cpu=True, gpu=True) == ["torch"]
    else:
        assert peers.installed(["torch"], cpu=True, gpu=True) == ["torch", "torch/cuda"]
    assert set(peers.installed(None, cpu=False, gpu=True)) <= set(gpu.GPU_PEERS.values())


@pytest.mark.skipif("cuda" not in fastact.backends(), reason="no CUDA backend (neither a GPU nor the simulator)")
def test_cuda_cases_run_on_device_arrays():
    """fastact/cuda is measured on device arrays, beside the copy probe (on the simulator here:
    tiny, few launches, each takes a second or so)."""
    from fastact.bench import gpu

    ws = cases.workspace("fastact/cuda", 40, np.float64)
    assert isinstance(ws, gpu.DeviceWorkspace) and not isinstance(ws.x, np.ndarray)
    x0, g = ws.to_host(ws.x0), ws.to_host(ws.g)
    for case, expected in [(cases.cases(["relu"], ("backward",))[0], fastact.relu_backward(g, x0, backend="numpy")),
                           (cases.cases(["softmax[10]"], ("forward",))[0],
                            fastact.softmax(x0.reshape(4, 10), backend="numpy"))]:
        runner = cases.bind("fastact/cuda", case, ws)
        runner.reset()
        runner.call()
        got = ws.to_host(ws.shaped(ws.x if case.op == "forward" else ws.out, case))
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=case.name)
    assert not np.array_equal(ws.to_host(ws.x), x0)  # softmax's forward overwrote x
    ws.probe("forward").call()
    np.testing.assert_array_equal(ws.to_host(ws.x), x0)
    plan = measure.Plan(implementations=["fastact/cuda"], functions=["relu"], dtypes=["float64"], sizes=[40],
                        ops=("forward",), budget_s=0.0, min_rounds=1)
    results = measure.run(plan)
    assert [(r["implementation"], r["function"], len(r["samples_ns"])) for r in results["records"]] == [
        ("fastact/cuda", "relu", 1)]
    assert "device-to-device copy" in report.markdown(results)
