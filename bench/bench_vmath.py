"""Time vmath kernels against NumPy/SciPy and Numba's libm-based math.* loops.

Usage: python bench/bench_vmath.py [n]   (default n = 100_000, in cache)

Prints ns/element (best of several repeats, single thread) for every
function and dtype: the vmath loop, the same loop with math.* (libm calls,
what Numba does without SVML) and the NumPy/SciPy ufunc with ``out=``.
"""
import math
import sys
import time

import numpy as np
import scipy.special
from numba import njit

from fastact._kernels import vmath

INPUT_RANGES = {"exp": (-10, 10), "expm1": (-10, 10), "log": (0.01, 100),
                "log1p": (-0.9, 100), "tanh": (-5, 5), "erf": (-4, 4),
                "sigmoid": (-10, 10)}
UFUNCS = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
          "tanh": np.tanh, "erf": scipy.special.erf, "sigmoid": scipy.special.expit}


def _math_sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


LIBM = {"exp": math.exp, "expm1": math.expm1, "log": math.log, "log1p": math.log1p,
        "tanh": math.tanh, "erf": math.erf, "sigmoid": njit(_math_sigmoid)}


def make_loop(func):
    @njit
    def apply(x, out):
        for i in range(x.size):
            out[i] = func(x[i])

    return apply


def ns_per_element(run, n, repeats=7, min_time=0.05):
    run()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            run()
        if time.perf_counter() - start > min_time:
            break
        calls *= 2
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            run()
        best = min(best, (time.perf_counter() - start) / calls)
    return best / n * 1e9


def main(n):
    rng = np.random.default_rng(0)
    print(f"n = {n}, ns/element (lower is better), single thread")
    print("| function | dtype | vmath | numba math.* (libm) | numpy/scipy |")
    print("|---|---|---|---|---|")
    for name, (lo, hi) in INPUT_RANGES.items():
        ours, libm = make_loop(getattr(vmath, name)), make_loop(LIBM[name])
        for dtype in (np.float32, np.float64):
            x = rng.uniform(lo, hi, n).astype(dtype)
            out = np.empty_like(x)
            t_ours = ns_per_element(lambda: ours(x, out), n)
            t_libm = ns_per_element(lambda: libm(x, out), n)
            t_ufunc = ns_per_element(lambda: UFUNCS[name](x, out=out), n)
            print(f"| {name} | {dtype.__name__} | {t_ours:.2f} | {t_libm:.2f} | {t_ufunc:.2f} |")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000)
