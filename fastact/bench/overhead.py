"""The fixed costs: ``import fastact`` and one call on a 1-element array."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

import numpy as np

from fastact.bench import timing

_IMPORT_SCRIPT = ("import time; t = time.perf_counter(); import fastact; "
                  "print(time.perf_counter() - t)")


def import_seconds(repeats: int = 5) -> float:
    """Median wall time of ``import fastact`` in a fresh interpreter (same sys.path)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    times = [float(subprocess.run([sys.executable, "-c", _IMPORT_SCRIPT], capture_output=True, text=True,
                                  check=True, env=env).stdout) for _ in range(repeats)]
    return statistics.median(times)


class _Repeated:
    """``calls`` back-to-back calls of ``f`` as one timed operation."""

    def __init__(self, f, calls: int):
        self.f, self.calls = f, calls

    def reset(self) -> None:
        return None

    def call(self) -> None:
        f = self.f
        for _ in range(self.calls):
            f()


def call_overhead_ns(calls: int = 2000, budget_s: float = 0.5) -> dict:
    """Nanoseconds per call on a 1-element float64 array, interleaved: ``fastact.relu(x)`` (the
    default backend, the one a plain call takes), ``fastact.relu(x, backend="numba")`` (numba's
    dispatcher adds its own cost) and ``np.maximum(x, 0)``; all allocate their result."""
    import fastact

    x = np.ones(1)
    ops = {"fastact.relu(x)": lambda: fastact.relu(x),
           'fastact.relu(x, backend="numba")': lambda: fastact.relu(x, backend="numba"),
           "np.maximum(x, 0)": lambda: np.maximum(x, 0.0)}
    if "numba" not in fastact.backends():
        del ops['fastact.relu(x, backend="numba")']
    times = timing.interleaved([_Repeated(f, calls) for f in ops.values()], budget_s=budget_s,
                               min_rounds=5, max_rounds=200)
    per_call = np.median(times, axis=0) / calls
    return {label: float(t) for label, t in zip(ops, per_call)}
