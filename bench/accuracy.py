"""Measured accuracy of every activation, derivative and backward pass, per backend and dtype.

    python bench/accuracy.py [--backends numba,cython] > table.md

Inputs: the sweep of tests/test_accuracy.py (a dense grid on [−120, 120], 20,000 magnitudes
log-uniform from the smallest subnormal to the largest float of both signs, and the specials).
Reference: fastact's NumPy backend in extended precision. Columns: the maximum error in ULP
over the points whose reference result is a normal number, and where that maximum sits; the
maximum absolute error in units of eps (what the cancelling formulas are held to); and the
maximum error, in smallest subnormals, where the result is subnormal.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

import fastact

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "tests"))
from conftest import CASES, ulp_distance  # noqa: E402
from test_accuracy import sweep  # noqa: E402


def measure(backend: str, dtype, name: str, params: dict, suffix: str):
    x = sweep(dtype)
    args = (x,) if suffix != "_backward" else (np.random.default_rng(3).standard_normal(x.size).astype(dtype), x)
    got = getattr(fastact, name + suffix)(*args, **params, backend=backend)
    want = getattr(fastact, name + suffix)(*args, **params, backend="numpy")
    info = np.finfo(dtype)
    normal = np.isfinite(want) & (np.abs(want) >= info.tiny)
    subnormal = np.isfinite(want) & (np.abs(want) < info.tiny) & (want != 0)
    dist = ulp_distance(got, want)
    with np.errstate(invalid="ignore", over="ignore"):
        absdiff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    worst = int(np.argmax(np.where(normal, dist, -1))) if normal.any() else 0
    return (float(dist[normal].max(initial=0)), float(x[worst]), float(absdiff[normal].max(initial=0) / info.eps),
            float(absdiff[subnormal].max(initial=0) / info.smallest_subnormal))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(b for b in fastact.backends() if b in ("numba", "cython")))
    args = parser.parse_args()
    print("| backend | dtype | function | max ULP (normal results) | at x | max abs error / eps | max error on subnormal results (subnormal units) |")
    print("|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        for dtype in (np.float32, np.float64):
            for name, params in CASES:
                for suffix in ("", "_derivative", "_backward"):
                    try:
                        ulp, at, eps, sub = measure(backend, dtype, name, params, suffix)
                    except NotImplementedError:
                        continue
                    label = name + suffix + "".join(f" {k}={v}" for k, v in params.items())
                    print(f"| {backend} | {np.dtype(dtype).name} | {label} | {ulp:.2f} | {at:.6g} | {eps:.2g} | {sub:.0f} |",
                          flush=True)


if __name__ == "__main__":
    main()
