"""Every case of the shared table (see conftest.py), timed by pytest-benchmark beside the probe."""

import time

from conftest import PROBES, SUMMARY

from fastact.bench import cases, probe

BUDGET_S = 0.5


def _rounds(runner) -> int:
    """Enough rounds for about BUDGET_S seconds, from one timed call (5 to 200)."""
    runner.reset()
    start = time.perf_counter()
    runner.call()
    return int(min(200, max(5, BUDGET_S / max(time.perf_counter() - start, 1e-9))))


def test_bench(benchmark, entry, workspace):
    dtype, n, implementation, case = entry
    ws = workspace(n, dtype)
    info = {"implementation": implementation, "dtype": dtype, "n": n, "itemsize": ws.dtype.itemsize}
    if case is None:
        runner = cases.Runner(lambda: probe.scale_(ws.x), ws.restore, "x *= -1 (numba)")
        info.update(function="probe", op="probe", elements=n, streams=probe.STREAMS, expression=runner.expression)
    else:
        runner = cases.bind(implementation, case, ws)
        info.update(function=case.key, op=case.op, elements=case.elements(n), streams=case.streams,
                    expression=runner.expression)
    info["bytes_per_call"] = info["streams"] * info["elements"] * info["itemsize"]
    runner.reset()
    runner.call()  # compiles, touches pages
    benchmark.extra_info.update(info)
    benchmark.pedantic(runner.call, setup=runner.reset, rounds=_rounds(runner), warmup_rounds=1, iterations=1)
    if benchmark.disabled:
        return
    median = benchmark.stats.stats.median
    if case is None:
        PROBES[(dtype, n)] = median
        return
    probe_bytes_per_s = 2 * n * info["itemsize"] / PROBES[(dtype, n)]
    fraction = info["bytes_per_call"] / median / probe_bytes_per_s
    benchmark.extra_info["fraction_of_probe"] = fraction
    SUMMARY.append({"dtype": dtype, "n": n, "implementation": implementation, "case": case.name,
                    "ns_per_element": median * 1e9 / info["elements"],
                    "gb_per_s": info["bytes_per_call"] / median / 1e9, "fraction": fraction})
