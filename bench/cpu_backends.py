"""Measure the CPU backends: bandwidth fraction, PyTorch ratio, auto-rule sizes, cold start.

    python bench/cpu_backends.py [bandwidth|torch|sizes|functions|coldstart ...]

Bandwidth: at n = 3e7, time of a numba parallel in-place scale of the same array (the
probe: n reads + n writes) over the op's time, scaled by the op's traffic (in place: 2n,
backward into grad: 3n); both timed in the same run, as ratios, because DRAM bandwidth drifts.
PyTorch: fastact time / torch time at n = 1e5 and 1e6 on the same threads (≤ 0.7 wanted), the
seed's transcendental activations and the common modern ones (silu, gelu in both forms,
softplus, mish); sigmoid and tanh backward from the output y, as PyTorch's autograd computes them.
Sizes: per-call time of cython and numba (serial and parallel loops) from n = 1 to 1e7.
Functions: the CPU time of one call on one thread (lower quartile of repeated calls: robust on
a shared machine), cython and numba, at n = 1e5 and 1e6 float32, for the functions beyond the
element-wise loops (the softmax family, PReLU, bias_act) and gelu's two forms.
Cold start: wall time of a fresh process doing import + first sigmoid on 1e6 float32.
Every other figure is the median of repeated runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import fastact


def median_time(f, repeat=15, number=1, clock=time.perf_counter, percentile=50):
    """The median (or ``percentile``) of ``repeat`` timings of ``number`` calls, per call."""
    f()
    times = []
    for _ in range(repeat):
        t = clock()
        for _ in range(number):
            f()
        times.append((clock() - t) / number)
    return float(np.percentile(times, percentile))


def probe():
    from numba import njit, prange

    @njit(parallel=True, cache=True)
    def scale(a):
        for i in prange(a.size):
            a[i] = a[i] * a.dtype.type(1.0000001)

    return scale


def bandwidth(n=30_000_000):
    scale = probe()
    rows = []
    for dtype in (np.float32, np.float64):
        x = np.random.default_rng(0).standard_normal(n).astype(dtype)
        g = np.random.default_rng(1).standard_normal(n).astype(dtype)
        for backend in ("cython", "numba"):
            ops = {
                "relu_": (lambda: fastact.relu_(x, backend=backend), 2),
                "sigmoid_": (lambda: fastact.sigmoid_(x, backend=backend), 2),
                "tanh_": (lambda: fastact.tanh_(x, backend=backend), 2),
                "elu_": (lambda: fastact.elu_(x, backend=backend), 2),
                "relu_backward": (lambda: fastact.relu_backward(g, x, out=g, backend=backend), 3),
                "sigmoid_backward": (lambda: fastact.sigmoid_backward(g, x, out=g, backend=backend), 3),
                "tanh_backward": (lambda: fastact.tanh_backward(g, x, out=g, backend=backend), 3),
                "elu_backward": (lambda: fastact.elu_backward(g, x, out=g, backend=backend), 3),
            }
            for name, (op, traffic) in ops.items():
                x[:] = np.random.default_rng(0).standard_normal(n).astype(dtype)  # keep values finite
                t_probe = median_time(lambda: scale(x), repeat=7)
                t_op = median_time(op, repeat=7)
                t_probe2 = median_time(lambda: scale(x), repeat=7)
                probe_t = (t_probe + t_probe2) / 2
                frac = probe_t * traffic / 2 / t_op
                gbs = traffic * n * x.itemsize / t_op / 1e9
                rows.append((np.dtype(dtype).name, backend, name, frac, gbs))
                print(f"{np.dtype(dtype).name:8} {backend:7} {name:18} {frac:6.2f} of probe  ({gbs:5.1f} GB/s)",
                      flush=True)
    return rows


def torch_ratio():
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(fastact.get_num_threads())
    for n in (100_000, 1_000_000):
        for dtype, tdtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
            x = (np.random.default_rng(0).standard_normal(n) * 3).astype(dtype)
            g = np.random.default_rng(1).standard_normal(n).astype(dtype)
            tx, tg = torch.from_numpy(x.copy()), torch.from_numpy(g.copy())
            ty = torch.sigmoid(tx)
            tt = torch.tanh(tx)
            y_sigmoid, y_tanh = ty.numpy(), tt.numpy()
            aten = torch.ops.aten
            pairs = {
                "relu": (lambda b: fastact.relu(x, backend=b), lambda: torch.relu(tx)),
                "sigmoid": (lambda b: fastact.sigmoid(x, backend=b), lambda: torch.sigmoid(tx)),
                "tanh": (lambda b: fastact.tanh(x, backend=b), lambda: torch.tanh(tx)),
                "elu": (lambda b: fastact.elu(x, backend=b), lambda: torch.nn.functional.elu(tx)),
                "relu_backward": (lambda b: fastact.relu_backward(g, x, backend=b),
                                  lambda: aten.threshold_backward(tg, tx, 0.0)),
                # PyTorch's autograd computes these from the output y, so fastact does too
                "sigmoid_backward": (lambda b: fastact.sigmoid_backward(g, y=y_sigmoid, backend=b),
                                     lambda: aten.sigmoid_backward(tg, ty)),
                "tanh_backward": (lambda b: fastact.tanh_backward(g, y=y_tanh, backend=b),
                                  lambda: aten.tanh_backward(tg, tt)),
                "elu_backward": (lambda b: fastact.elu_backward(g, x, backend=b),
                                 lambda: aten.elu_backward(tg, 1.0, 1.0, 1.0, False, tx)),
                "silu": (lambda b: fastact.silu(x, backend=b), lambda: F.silu(tx)),
                "gelu": (lambda b: fastact.gelu(x, backend=b), lambda: F.gelu(tx)),
                "gelu_tanh": (lambda b: fastact.gelu(x, approximate="tanh", backend=b),
                              lambda: F.gelu(tx, approximate="tanh")),
                "softplus": (lambda b: fastact.softplus(x, backend=b), lambda: F.softplus(tx)),
                "silu_backward": (lambda b: fastact.silu_backward(g, x, backend=b),
                                  lambda: aten.silu_backward(tg, tx)),
                "gelu_backward": (lambda b: fastact.gelu_backward(g, x, backend=b),
                                  lambda: aten.gelu_backward(tg, tx)),
                "softplus_backward": (lambda b: fastact.softplus_backward(g, x, backend=b),
                                      lambda: aten.softplus_backward(tg, tx, 1.0, 20.0)),
                "gelu_tanh_backward": (lambda b: fastact.gelu_backward(g, x, approximate="tanh", backend=b),
                                       lambda: aten.gelu_backward(tg, tx, approximate="tanh")),
                "mish": (lambda b: fastact.mish(x, backend=b), lambda: F.mish(tx)),
                "mish_backward": (lambda b: fastact.mish_backward(g, x, backend=b),
                                  lambda: aten.mish_backward(tg, tx)),
            }
            number = 20 if n == 100_000 else 3
            for name, (ours, theirs) in pairs.items():
                t_torch = median_time(theirs, repeat=21, number=number)
                line = f"n={n:<8} {np.dtype(dtype).name:8} {name:17} torch {t_torch * 1e6:8.1f} us"
                for backend in ("cython", "numba", "auto"):
                    t = median_time(lambda: ours(backend), repeat=21, number=number)
                    line += f"  {backend} {t / t_torch:5.2f}x"
                print(line, flush=True)


def sizes():
    from fastact import _threads

    for dtype in (np.float32, np.float64):
        for name in ("relu", "sigmoid", "elu"):
            for n in (1, 100, 1000, 10_000, 30_000, 100_000, 1_000_000, 10_000_000):
                x = np.random.default_rng(0).standard_normal(n).astype(dtype)
                out = np.empty_like(x)
                number = max(1, min(2000, 10_000_000 // (n * 20 + 1)))
                line = f"{np.dtype(dtype).name:8} {name:8} n={n:<9}"
                for backend in ("cython", "numba"):
                    t = median_time(lambda: getattr(fastact, name)(x, out=out, backend=backend),
                                    repeat=9, number=number)
                    line += f" {backend} {t * 1e6:9.2f} us"
                print(line, flush=True)
    print("parallel threshold:", _threads.PARALLEL_MIN_SIZE)


def _cases(n: int, dtype) -> dict:
    """name → call(backend) of the functions timed by :func:`functions`, on n elements."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(n) * 3).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    rows, grows = x.reshape(-1, 1000), g.reshape(-1, 1000)  # rows of 1000
    nchw, gnchw = x.reshape(-1, 32, 125), g.reshape(-1, 32, 125)  # 32 channels of 125
    dense, gdense = x.reshape(-1, 250), g.reshape(-1, 250)  # 250 features, the last axis
    w = np.linspace(0.05, 0.3, 32).astype(dtype)
    theta, theta32 = rng.standard_normal(250).astype(dtype), rng.standard_normal(32).astype(dtype)
    f = fastact
    return {
        "softmax": lambda b: f.softmax(rows, backend=b),
        "softmax_backward": lambda b: f.softmax_backward(grows, rows, backend=b),
        "log_softmax": lambda b: f.log_softmax(rows, backend=b),
        "log_softmax axis 0": lambda b: f.log_softmax(rows, axis=0, backend=b),
        "log_softmax_backward": lambda b: f.log_softmax_backward(grows, rows, backend=b),
        "softmin": lambda b: f.softmin(rows, backend=b),
        "softmin_backward": lambda b: f.softmin_backward(grows, rows, backend=b),
        "prelu": lambda b: f.prelu(nchw, w, backend=b),
        "prelu_derivative": lambda b: f.prelu_derivative(nchw, w, backend=b),
        "prelu_backward": lambda b: f.prelu_backward(gnchw, nchw, weight=w, backend=b),
        "prelu_param_grads": lambda b: f.prelu_param_grads(gnchw, nchw, w, backend=b),
        "bias_act relu": lambda b: f.bias_act(dense, theta, "relu", backend=b),
        "bias_act sigmoid": lambda b: f.bias_act(dense, theta, "sigmoid", backend=b),
        "bias_act sigmoid axis 1": lambda b: f.bias_act(nchw, theta32, "sigmoid", axis=1, backend=b),
        "bias_act_backward relu": lambda b: f.bias_act_backward(gdense, dense, theta, "relu", backend=b),
        "bias_act_backward elu": lambda b: f.bias_act_backward(gdense, dense, theta, "elu", backend=b),
        "bias_act_backward sigmoid axis 1": lambda b: f.bias_act_backward(gnchw, nchw, theta32, "sigmoid", axis=1,
                                                                          backend=b),
        "gelu": lambda b: f.gelu(x, backend=b),
        "gelu_backward": lambda b: f.gelu_backward(g, x, backend=b),
        "gelu tanh": lambda b: f.gelu(x, approximate="tanh", backend=b),
        "gelu_backward tanh": lambda b: f.gelu_backward(g, x, approximate="tanh", backend=b),
    }


def functions():
    threads = fastact.get_num_threads()
    fastact.set_num_threads(1)
    try:
        for n in (100_000, 1_000_000):
            for name, call in _cases(n, np.float32).items():
                t = {b: median_time(lambda: call(b), 21, clock=time.thread_time, percentile=25)
                     for b in ("cython", "numba")}
                print(f"float32 n={n:<8} {name:34} cython {t['cython'] * 1e6:9.1f} us  numba "
                      f"{t['numba'] * 1e6:9.1f} us  numba/cython {t['numba'] / t['cython']:5.2f}", flush=True)
    finally:
        fastact.set_num_threads(threads)


#: The input comes from np.linspace: np.random's import and generator took ~70 ms of the 0.34 s
#: this measured with random input, none of it fastact's.
COLD = ("import numpy as np, fastact; x = np.linspace(-8, 8, 1_000_000, dtype=np.float32); "
        "fastact.sigmoid(x, backend='{}')")


def coldstart():
    def wall(backend, env, repeat=5):
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", COLD.format(backend)], env=env, check=True)
            times.append(time.perf_counter() - t)
        return float(np.median(times))

    env = dict(os.environ)
    numpy_alone = np.median([_timed([sys.executable, '-c', 'import numpy']) for _ in range(5)])
    cython = wall('cython', env)
    print(f"cython, fresh process:               {cython:.3f} s ({cython - numpy_alone:+.3f} s over numpy alone)")
    with tempfile.TemporaryDirectory() as cache:
        env_cache = dict(env, NUMBA_CACHE_DIR=cache)
        cold = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as empty:
                cold.append(wall("numba", dict(env, NUMBA_CACHE_DIR=empty), repeat=1))
        print(f"numba, empty disk cache (compiles):  {np.median(cold):.3f} s")
        wall("numba", env_cache, repeat=1)  # fills the cache
        print(f"numba, warm disk cache:              {wall('numba', env_cache):.3f} s")
    print(f"python -c 'import numpy' alone:      {numpy_alone:.3f} s")


def _timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


if __name__ == "__main__":
    print(f"fastact {fastact.__version__}; threads {fastact.get_num_threads()}; "
          f"backends {fastact.backends()}")
    for part in sys.argv[1:] or ["bandwidth", "torch", "sizes", "coldstart"]:
        print(f"--- {part}")
        globals()[{"torch": "torch_ratio"}.get(part, part)]()
