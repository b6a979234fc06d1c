"""One run on an NVIDIA GPU: every CUDA-backend function checked, then timed.

1. Correctness: every activation's forward, in place, derivative, backward (from x and from y)
   and parameter gradients; softmax, log_softmax and softmin (forward, in place, backward)
   along the last and the first axis; the fused neuron bias_act / bias_act_backward (dθ and
   parameter gradients included) and PReLU (forward, derivative, backward, slopes' gradient)
   with the feature axis last and in the middle; on fresh random data, in float32 and float64,
   against the NumPy reference. Outputs are poisoned with NaN first, so an element the kernel
   never wrote fails.
2. Speed: CUDA events around back-to-back calls on 2^28 float32 elements (softmax and friends:
   rows of 1,000; bias_act and PReLU: 64 features along axis 1 of (N, 64, 1024), and 1,000
   features along the last axis), as a fraction of the bandwidth of the fastest device-to-device
   copy measured in the same run (the driver's memcpy, a numba copy kernel, PyTorch's and CuPy's
   copies and negation kernels), beside PyTorch (and CuPy) on the same data where installed; and
   the host's fixed cost of one call on a tiny array.
   Targets: element-wise in place and backward ≥ 85% of the copy; softmax ≥ 70% and faster
   than torch.softmax (the other functions are timed, without targets).

    python bench/gpu_check.py            # on a GPU
    python bench/gpu_check.py --sim      # numba's CUDA simulator, tiny sizes: runs the code paths

Exit status 1 when a check fails or a target is missed (targets only on a real GPU).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

ARGS = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ARGS.add_argument("--sim", action="store_true", help="numba's CUDA simulator, tiny sizes")
ARGS.add_argument("--log2-size", type=int, default=28, help="elements of the timed arrays (2^N)")
ARGS.add_argument("--row", type=int, default=1000, help="softmax row length")
ARGS.add_argument("--repeat", type=int, default=20, help="timed calls per function")
OPTIONS = ARGS.parse_args()
if OPTIONS.sim:
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"  # before numba.cuda is first imported

from numba import cuda  # noqa: E402

import fastact  # noqa: E402
from fastact._catalog import ELEMENTWISE  # noqa: E402
from fastact.bench.gpu import usable_peers  # noqa: E402

#: Parameters for the checks: required ones, and non-default values.
PARAMS = {"sigmoid": {"slope": 1.5}, "tanh": {}, "msaf": {"r": (0.0, -4.0, 2.0), "offset": 0.5},
          "sym_msaf": {"r": -6.0}, "relu": {}, "leaky_relu": {"negative_slope": 0.1}, "elu": {"alpha": 1.0}}
CANCELLING = {"msaf": 8, "sym_msaf": 8}
CHECK_SIZE = 1 << (9 if OPTIONS.sim else 18)
ROWS_CHECK = (3, 100) if OPTIONS.sim else (1024, OPTIONS.row)
TIME_SIZE = 1 << (10 if OPTIONS.sim else OPTIONS.log2_size)
REPEAT = 1 if OPTIONS.sim else OPTIONS.repeat
failures: list[str] = []


def ulps(actual, expected) -> np.ndarray:
    """Element-wise distance in ULP of expected's dtype; NaN matches NaN."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    spacing = np.maximum(np.spacing(np.abs(expected)), np.finfo(expected.dtype).smallest_subnormal)
    with np.errstate(invalid="ignore", over="ignore"):
        dist = np.abs(actual.astype(np.float64) - expected.astype(np.float64)) / spacing.astype(np.float64)
    return np.where(same, 0.0, np.where(np.isfinite(dist), dist, np.inf))


def check(label: str, actual, expected, bound, absolute: float = 0.0) -> None:
    """Record a failure unless every element is within ``bound`` ULP (a number or an array),
    or within ``absolute`` of the expected value."""
    actual = actual.copy_to_host() if hasattr(actual, "copy_to_host") else np.asarray(actual)
    expected = np.asarray(expected)
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        failures.append(f"{label}: got {actual.dtype}{actual.shape}, expected {expected.dtype}{expected.shape}")
        return
    dist = ulps(actual, expected)
    with np.errstate(invalid="ignore"):
        ok = (dist <= bound) | (np.abs(actual.astype(np.float64) - expected) <= absolute)
    worst = float(np.max(dist)) if dist.size else 0.0
    print(f"  {label:48s} max {worst:9.3g} ulp  {'ok' if ok.all() else 'FAIL'}")
    if not ok.all():
        failures.append(f"{label}: {int((~ok).sum())} of {ok.size} elements off (max {worst:.3g} ulp)")


def poisoned(shape, dtype):
    return cuda.to_device(np.full(shape, np.nan, dtype))


def check_elementwise(dtype) -> None:
    rng = np.random.default_rng()
    x = (rng.standard_normal(CHECK_SIZE) * 6).astype(dtype)
    g = rng.standard_normal(CHECK_SIZE).astype(dtype)
    eps = float(np.finfo(dtype).eps)
    for name, params in PARAMS.items():
        act = getattr(fastact, name)
        slack = CANCELLING.get(name, 0) * eps
        dx, dg = cuda.to_device(x), cuda.to_device(g)
        want = act(x, **params, backend="numpy")
        out = poisoned(x.shape, dtype)
        act(dx, **params, out=out)
        check(f"{name} {np.dtype(dtype).name}", out, want, 4, slack)
        inplace = cuda.to_device(x)
        getattr(fastact, name + "_")(inplace, **params)
        check(f"{name}_", inplace, want, 4, slack)
        out = poisoned(x.shape, dtype)
        getattr(fastact, name + "_derivative")(dx, **params, out=out)
        check(f"{name}_derivative", out, getattr(fastact, name + "_derivative")(x, **params, backend="numpy"), 4, slack)
        backward = getattr(fastact, name + "_backward")
        out = poisoned(x.shape, dtype)
        backward(dg, dx, **params, out=out)
        check(f"{name}_backward(x)", out, backward(g, x, **params, backend="numpy"), 8, slack)
        if ELEMENTWISE[name].from_y is not None:
            out = poisoned(x.shape, dtype)
            backward(dg, y=cuda.to_device(want), **params, out=out)
            check(f"{name}_backward(y)", out, backward(g, y=want, **params, backend="numpy"), 8, slack)
        if ELEMENTWISE[name].learnable:
            grads = getattr(fastact, name + "_param_grads")
            got, ref = grads(dg, dx, **params), grads(g, x, **params, backend="numpy")
            again = grads(dg, dx, **params)
            for key in ref:
                scale = float(np.sum(np.abs(g))) * max(1.0, float(np.max(np.abs(x)))) * eps
                err = float(np.max(np.abs(np.atleast_1d(got[key]) - np.atleast_1d(ref[key]))))
                same = np.array_equal(got[key], again[key])
                print(f"  {name}_param_grads[{key}] {'':27s} |error| {err:9.3g}  (scale {scale:.3g})"
                      f"{'' if same else '  NOT REPEATABLE'}")
                if not (err <= 8 * scale) or not same:
                    failures.append(f"{name}_param_grads[{key}] {np.dtype(dtype).name}: error {err:.3g}, "
                                    f"repeatable: {same}")


def check_softmax(dtype) -> None:
    rng = np.random.default_rng()
    rows, n = ROWS_CHECK
    eps = float(np.finfo(dtype).eps)
    x = (rng.standard_normal((rows, n)) * 3).astype(dtype)
    g = rng.standard_normal((rows, n)).astype(dtype)
    for axis in (-1, 0):
        want = fastact.softmax(x, axis=axis, backend="numpy")
        bound = 4  # as on the CPU: x − m carries its rounding error into e^(x − m)
        out = poisoned(x.shape, dtype)
        fastact.softmax(cuda.to_device(x), axis=axis, out=out)
        check(f"softmax axis={axis} {np.dtype(dtype).name} {x.shape}", out, want, bound)
        inplace = cuda.to_device(x)
        fastact.softmax_(inplace, axis=axis)
        check(f"softmax_ axis={axis}", inplace, want, bound)
        out = poisoned(x.shape, dtype)
        fastact.softmax_backward(cuda.to_device(g), cuda.to_device(want), axis=axis, out=out)
        check(f"softmax_backward axis={axis}", out, fastact.softmax_backward(g, want, axis=axis, backend="numpy"),
              8, 8 * eps * float(np.max(np.abs(g))))


def check_axis_functions(dtype) -> None:
    rng = np.random.default_rng()
    rows, n = ROWS_CHECK
    eps = float(np.finfo(dtype).eps)
    x = (rng.standard_normal((rows, n)) * 3).astype(dtype)
    g = rng.standard_normal((rows, n)).astype(dtype)
    for name in ("log_softmax", "softmin"):
        forward, backward = getattr(fastact, name), getattr(fastact, name + "_backward")
        for axis in (-1, 0):
            want = forward(x, axis=axis, backend="numpy")
            spread = float(np.max(np.abs(x))) * 2
            out = poisoned(x.shape, dtype)
            forward(cuda.to_device(x), axis=axis, out=out)
            check(f"{name} axis={axis} {np.dtype(dtype).name} {x.shape}", out, want, 8, 4 * eps * (1 + spread))
            inplace = cuda.to_device(x)
            getattr(fastact, name + "_")(inplace, axis=axis)
            check(f"{name}_ axis={axis}", inplace, want, 8, 4 * eps * (1 + spread))
            out = poisoned(x.shape, dtype)
            backward(cuda.to_device(g), cuda.to_device(want), axis=axis, out=out)
            scale = max(float(np.max(np.abs(g))), float(np.max(np.abs(np.sum(g, axis=axis)))))  # g − e^y·Σg
            check(f"{name}_backward axis={axis}", out, backward(g, want, axis=axis, backend="numpy"), 8,
                  16 * eps * scale)


def feature_shapes():
    """(shape, feature axis): features in the middle (N, C, H·W) and last (rows, C)."""
    return [((2, 64, 8) if OPTIONS.sim else (64, 64, 1024), 1), ((6, 10) if OPTIONS.sim else (4096, 1000), -1)]


def check_features(dtype) -> None:
    rng = np.random.default_rng()
    eps = float(np.finfo(dtype).eps)
    for shape, axis in feature_shapes():
        u = (rng.standard_normal(shape) * 3).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        c = shape[axis]
        theta = rng.standard_normal(c).astype(dtype)
        others = tuple(d for d in range(len(shape)) if d != axis % len(shape))
        label = f"{np.dtype(dtype).name} {shape} axis={axis}"
        want = fastact.bias_act(u, theta, "elu", 0.5, axis=axis, backend="numpy")
        out = poisoned(shape, dtype)
        fastact.bias_act(cuda.to_device(u), cuda.to_device(theta), "elu", 0.5, axis=axis, out=out)
        check(f"bias_act elu {label}", out, want, 4)
        ref = fastact.bias_act_backward(g, u, theta, "elu", 0.5, axis=axis, backend="numpy")
        got = fastact.bias_act_backward(cuda.to_device(g), cuda.to_device(u), cuda.to_device(theta), "elu", 0.5,
                                        axis=axis)
        again = fastact.bias_act_backward(cuda.to_device(g), cuda.to_device(u), cuda.to_device(theta), "elu", 0.5,
                                          axis=axis)
        check("bias_act_backward du", got.du, ref.du, 8)
        check("bias_act_backward dtheta", got.dtheta, ref.dtheta, 8,
              8 * eps * float(np.max(np.sum(np.abs(ref.du), axis=others))))
        check("bias_act_backward dalpha", np.atleast_1d(got.params["alpha"]), np.atleast_1d(ref.params["alpha"]), 8,
              8 * eps * float(np.sum(np.abs(g))) * 3)
        if not (np.array_equal(got.dtheta, again.dtheta) and got.params["alpha"] == again.params["alpha"]):
            failures.append(f"bias_act_backward {label}: not repeatable")
        w = rng.uniform(0.05, 0.5, c).astype(dtype)
        prelu_axis = axis % len(shape)
        for function, args, kw in [("prelu", (u, w, prelu_axis), {}), ("prelu_derivative", (u, w, prelu_axis), {}),
                                   ("prelu_backward", (g, u), {"weight": w, "axis": prelu_axis})]:
            out = poisoned(shape, dtype)
            device_args = [cuda.to_device(a) if a is u or a is g else a for a in args]
            getattr(fastact, function)(*device_args, **kw, out=out)
            check(f"{function} {label}", out, getattr(fastact, function)(*args, **kw, backend="numpy"), 1)
        got = fastact.prelu_param_grads(cuda.to_device(g), cuda.to_device(u), w, prelu_axis)["weight"]
        ref = fastact.prelu_param_grads(g, u, w, prelu_axis, backend="numpy")["weight"]
        check("prelu_param_grads", got, ref, 8, 8 * eps * float(np.max(np.sum(np.abs(g * u), axis=others))))


# --- timing -------------------------------------------------------------------------------------


def gpu_ms(call, repeat: int = REPEAT) -> float:
    """Milliseconds per call: CUDA events around ``repeat`` calls made back to back (after two
    warm-up calls that compile), so that the host's work on one call overlaps the GPU's on the
    one before, as in a training step: the GPU's throughput, not the Python call's latency
    (which :func:`fixed_cost_us` reports). Calls that wait for the GPU (sums returned to the
    host) include their host time."""
    call()
    call()
    cuda.synchronize()
    if OPTIONS.sim:  # the simulator's events measure nothing: wall-clock time, just as meaningless
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1e3
    start, end = cuda.event(), cuda.event()
    start.record()
    for _ in range(repeat):
        call()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / repeat


def fixed_cost_us(call, repeat: int = 1 if OPTIONS.sim else 200) -> float:
    """Host microseconds per call of ``call`` on a tiny array, the GPU drained at the end."""
    call()
    cuda.synchronize()
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    cuda.synchronize()
    return (time.perf_counter() - started) / repeat * 1e6


def copy_bandwidth(n: int, x_host: np.ndarray) -> float:
    """The best device-to-device copy of n float32 elements, in GB/s (bytes read + written):
    the driver's memcpy, a numba kernel with the structure of fastact's element-wise kernels,
    and PyTorch's and CuPy's copies and plain element-wise kernels where installed; each is
    printed, the fastest is the reference."""
    from fastact import _cuda_backend
    from fastact._kernels import cuda_loops

    src, dst = cuda.to_device(x_host), cuda.device_array(n, np.float32)
    threads = 256
    kernel = cuda_loops.map_kernel(cuda_loops._identity, threads)
    blocks = _cuda_backend._blocks(n, threads * cuda_loops.UNROLL)
    probes = {"cuMemcpyDtoD": lambda: dst.copy_to_device(src),
              "numba copy kernel (fastact's tiling)": lambda: kernel[blocks, threads](src, dst, ())}
    torch, cupy = usable_peers()
    if torch:
        ts, td = torch.as_tensor(x_host, device="cuda"), torch.empty(n, device="cuda")
        probes["torch copy_"] = lambda: td.copy_(ts)
        probes["torch neg(out=)"] = lambda: torch.neg(ts, out=td)
    if cupy:
        cs, cd = cupy.asarray(x_host), cupy.empty(n, np.float32)
        probes["cupy copyto"] = lambda: cupy.copyto(cd, cs)
        probes["cupy negative(out=)"] = lambda: cupy.negative(cs, out=cd)
    best = 0.0
    print(f"\ncopies of {n * 4 / 2**30:.2f} GiB (read + write):")
    for label, call in probes.items():
        ms = gpu_ms(call)
        bw = 2 * n * 4 / ms / 1e6
        best = max(best, bw)
        print(f"  {label:40s} {ms:8.3f} ms {bw:7.0f} GB/s")
    print(f"  reference: the fastest, {best:.0f} GB/s")
    return best


def time_all() -> list[tuple]:
    n = TIME_SIZE
    rows, width = max(n // OPTIONS.row, 1), OPTIONS.row
    x_host = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    x, g, out = cuda.to_device(x_host), cuda.to_device(x_host[::-1].copy()), cuda.device_array(n, np.float32)
    copy_src = cuda.to_device(x_host)
    copy_bw = copy_bandwidth(n, x_host)
    tiny = cuda.to_device(np.ones(4, np.float32))
    print(f"\nfixed cost of one call on 4 elements (host): relu_ {fixed_cost_us(lambda: fastact.relu_(tiny)):.0f} µs, "
          f"softmax_ {fixed_cost_us(lambda: fastact.softmax_(tiny)):.0f} µs")
    torch, cupy = usable_peers()
    tx = torch.as_tensor(x_host, device="cuda") if torch else None
    tg = torch.as_tensor(x_host[::-1].copy(), device="cuda") if torch else None
    cx = cupy.asarray(x_host) if cupy else None
    torch_ops = {
        ("sigmoid", "in place"): lambda: tx.sigmoid_(), ("tanh", "in place"): lambda: tx.tanh_(),
        ("relu", "in place"): lambda: tx.relu_(), ("elu", "in place"): lambda: torch.nn.functional.elu_(tx),
        ("leaky_relu", "in place"): lambda: torch.nn.functional.leaky_relu_(tx, 0.1),
        ("sigmoid", "backward"): lambda: torch.ops.aten.sigmoid_backward(tg, tx),
        ("tanh", "backward"): lambda: torch.ops.aten.tanh_backward(tg, tx),
        ("relu", "backward"): lambda: torch.ops.aten.threshold_backward(tg, tx, 0),
    }
    cupy_ops = {("tanh", "in place"): lambda: cupy.tanh(cx, out=cx),
                ("relu", "in place"): lambda: cupy.maximum(cx, 0, out=cx)}
    results = []

    def record(name, op, ms, streams, target):
        bw = streams * n * 4 / ms / 1e6
        peer_torch = gpu_ms(torch_ops[name, op]) if torch and (name, op) in torch_ops else None
        peer_cupy = gpu_ms(cupy_ops[name, op]) if cupy and (name, op) in cupy_ops else None
        results.append((name, op, ms, bw, bw / copy_bw, peer_torch, peer_cupy, target))

    for name, params in PARAMS.items():
        inplace, backward = getattr(fastact, name + "_"), getattr(fastact, name + "_backward")
        x.copy_to_device(copy_src)
        record(name, "in place", gpu_ms(lambda: inplace(x, **params)), 2, 0.85)
        x.copy_to_device(copy_src)
        record(name, "backward", gpu_ms(lambda: backward(g, x, **params, out=out)), 3, 0.85)
    x2, out2 = x[: rows * width].reshape(rows, width), out[: rows * width].reshape(rows, width)
    g2 = g[: rows * width].reshape(rows, width)
    fastact.softmax(x2, out=out2)
    softmax_ms = gpu_ms(lambda: fastact.softmax(x2, out=out2))
    backward_ms = gpu_ms(lambda: fastact.softmax_backward(g2, out2, out=x2))
    label = f"rows of {width}"
    for op, ms, streams, peer in [
        ("softmax", softmax_ms, 2, (lambda: torch.softmax(tx[: rows * width].view(rows, width), dim=-1)) if torch else None),
        ("softmax_backward", backward_ms, 3, (lambda: torch._softmax_backward_data(
            tg[: rows * width].view(rows, width), tx[: rows * width].view(rows, width), -1, torch.float32))
         if torch else None)]:
        bw = streams * rows * width * 4 / ms / 1e6
        results.append((op, label, ms, bw, bw / copy_bw, gpu_ms(peer) if peer else None, None,
                        0.70 if op == "softmax" else None))
    results += time_more(x, g, out, tx, tg, copy_bw, rows, width)
    if torch:  # a PyTorch tensor in, a PyTorch tensor out, on PyTorch's stream
        y = fastact.softmax(tx[: rows * width].view(rows, width))
        torch.cuda.synchronize()
        if type(y) is not type(tx):
            failures.append(f"softmax of a torch tensor returned a {type(y).__name__}")
        want = torch.softmax(tx[: rows * width].view(rows, width), dim=-1)
        err = float((y - want).abs().max())
        print(f"\ntorch tensor in, {type(y).__name__} out; max |fastact − torch.softmax| = {err:.3g}")
        if not err <= 1e-6:
            failures.append(f"softmax of a torch tensor differs from torch.softmax by {err:.3g}")
    return results


def time_more(x, g, out, tx, tg, copy_bw, rows, width) -> list[tuple]:
    """log_softmax and softmin on rows of ``width``; bias_act and PReLU on the feature shapes."""
    results = []
    n = rows * width
    x2, g2, out2 = (a[:n].reshape(rows, width) for a in (x, g, out))
    t2 = {"x": tx[:n].view(rows, width), "g": tg[:n].view(rows, width)} if tx is not None else None
    torch_fn = None
    if t2 is not None:
        import torch

        torch_fn = {"log_softmax": lambda: torch.log_softmax(t2["x"], dim=-1),
                    "softmin": lambda: torch.nn.functional.softmin(t2["x"], dim=-1)}
    for name in ("log_softmax", "softmin"):
        forward, backward = getattr(fastact, name), getattr(fastact, name + "_backward")
        forward(x2, out=out2)
        for op, call, streams in [(name, lambda: forward(x2, out=out2), 2),
                                  (name + "_backward", lambda: backward(g2, out2, out=x2), 3)]:
            ms = gpu_ms(call)
            bw = streams * n * 4 / ms / 1e6
            peer = torch_fn.get(op) if torch_fn else None
            results.append((op, f"rows of {width}", ms, bw, bw / copy_bw, gpu_ms(peer) if peer else None, None, None))
    total = x.size
    for shape, axis in [((max(total // (64 * 1024), 1), 64, 1024), 1), ((max(total // 1000, 1), 1000), -1)]:
        size = int(np.prod(shape))
        if size > total:
            continue
        c = shape[axis]
        u, gv, ov = (a[:size].reshape(shape) for a in (x, g, out))
        theta = cuda.to_device(np.zeros(c, np.float32))
        w = cuda.to_device(np.full(c, 0.25, np.float32))
        prelu_axis = axis % len(shape)
        label = f"C={c} axis={axis}"
        tu = tx[:size].view(*shape) if tx is not None else None
        torch_w = None
        if tu is not None:
            import torch

            tw = torch.full((c,), 0.25, device="cuda")
            torch_w = (lambda: torch.nn.functional.prelu(tu, tw)) if prelu_axis == 1 else None
        for op, call, streams, peer in [
                ("bias_act", lambda: fastact.bias_act(u, theta, "relu", axis=axis, out=ov), 2, None),
                ("bias_act_backward", lambda: fastact.bias_act_backward(gv, u, theta, "relu", axis=axis), 3, None),
                ("prelu", lambda: fastact.prelu(u, w, prelu_axis, out=ov), 2, torch_w),
                ("prelu_backward", lambda: fastact.prelu_backward(gv, u, weight=w, axis=prelu_axis, out=ov), 3, None),
                ("prelu_param_grads", lambda: fastact.prelu_param_grads(gv, u, w, prelu_axis), 2, None)]:
            ms = gpu_ms(call)
            bw = streams * size * 4 / ms / 1e6
            results.append((op, label, ms, bw, bw / copy_bw, gpu_ms(peer) if peer else None, None, None))
    return results


def main() -> int:
    if "cuda" not in fastact.backends():
        print("no usable CUDA GPU: fastact.backends() =", fastact.backends())
        return 1
    device = cuda.get_current_device()
    print(f"device: {getattr(device, 'name', 'simulator')}, fastact {fastact.__version__}")
    started = time.perf_counter()
    for dtype in (np.float32, np.float64):
        print(f"\ncorrectness, {np.dtype(dtype).name}, {CHECK_SIZE} elements:")
        check_elementwise(dtype)
        check_softmax(dtype)
        check_axis_functions(dtype)
        check_features(dtype)
    print(f"\nchecks took {time.perf_counter() - started:.0f} s (compilation included)")
    results = time_all()
    print(f"\n{'function':18s} {'case':14s} {'ms':>8s} {'GB/s':>7s} {'of copy':>8s} "
          f"{'torch ms':>9s} {'cupy ms':>8s}  target")
    missed = []
    for name, op, ms, bw, share, peer_torch, peer_cupy, target in results:
        verdict = ""
        if target is not None and not OPTIONS.sim:
            ok = share >= target and not (name == "softmax" and peer_torch is not None and ms >= peer_torch)
            verdict = ("ok " if ok else "MISSED ") + f"≥{target:.0%}" + (" and < torch" if name == "softmax" else "")
            if not ok:
                missed.append(f"{name} {op}")
        fmt = lambda v: f"{v:.3f}" if v is not None else "-"  # noqa: E731
        print(f"{name:18s} {op:14s} {ms:8.3f} {bw:7.0f} {share:8.0%} {fmt(peer_torch):>9s} {fmt(peer_cupy):>8s}  {verdict}")
    for failure in failures:
        print("FAILED:", failure)
    print(f"\n{len(failures)} checks failed, {len(missed)} targets missed"
          + (" (simulator: timings are meaningless)" if OPTIONS.sim else ""))
    return 1 if failures or missed else 0


if __name__ == "__main__":
    sys.exit(main())
