"""Where the numba backend's parallel loop starts to beat its serial loop.

For n = 2^10 … 2^20, times ``fastact.relu_`` and ``fastact.sigmoid_`` (numba backend) with
``fastact._threads.PARALLEL_MIN_SIZE`` and ``CHEAP_PARALLEL_MIN_SIZE`` (relu's) forced above n
(serial) and to 1 (parallel), interleaved
and paired (``fastact.bench.timing``), and prints a Markdown table of t_serial / t_parallel
with its 95 % bootstrap interval. The crossover is the smallest n from which the parallel loop
is faster by more than the margin at every larger n. Run:

    PYTHONPATH=. python bench/parallel_threshold.py [--budget SECONDS]
"""

import argparse
import os

import numpy as np

import fastact
from fastact import _threads
from fastact.bench import timing

FUNCTIONS = ("relu", "sigmoid")
DTYPES = ("float32", "float64")
EXPONENTS = range(10, 21)


class _Forced:
    """fastact.NAME_(x) with the parallel threshold forced to ``threshold``; x restored before each call."""

    def __init__(self, function: str, x0: np.ndarray, threshold: int):
        self.inplace = getattr(fastact, function + "_")
        self.x0, self.x, self.threshold = x0, x0.copy(), threshold

    def reset(self) -> None:
        _threads.PARALLEL_MIN_SIZE = _threads.CHEAP_PARALLEL_MIN_SIZE = self.threshold
        np.copyto(self.x, self.x0)

    def call(self) -> None:
        self.inplace(self.x, backend="numba")


def measure(budget_s: float) -> list[dict]:
    rows = []
    saved = _threads.PARALLEL_MIN_SIZE, _threads.CHEAP_PARALLEL_MIN_SIZE
    try:
        for function in FUNCTIONS:
            for dtype in DTYPES:
                for e in EXPONENTS:
                    x0 = np.random.default_rng(e).normal(0.0, 2.0, 2 ** e).astype(dtype)
                    serial, parallel = _Forced(function, x0, 1 << 62), _Forced(function, x0, 1)
                    t = timing.interleaved([serial, parallel], budget_s=budget_s, min_rounds=20, max_rounds=5000)
                    ratio, low, high = timing.ratio_interval(t[:, 1], t[:, 0])
                    rows.append({"function": function, "dtype": dtype, "n": 2 ** e,
                                 "serial_us": np.median(t[:, 0]) / 1e3, "parallel_us": np.median(t[:, 1]) / 1e3,
                                 "ratio": ratio, "low": low, "high": high,
                                 "parallel_faster": timing.verdict(low, high) == "holds"})
    finally:
        _threads.PARALLEL_MIN_SIZE, _threads.CHEAP_PARALLEL_MIN_SIZE = saved
    return rows


def crossover(rows: list[dict]) -> int | None:
    """Smallest n from which the parallel loop is faster at every larger n measured."""
    best = None
    for row in sorted(rows, key=lambda r: -r["n"]):
        if not row["parallel_faster"]:
            break
        best = row["n"]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=0.3, help="seconds per size (default 0.3)")
    args = parser.parse_args()
    rows = measure(args.budget)
    print(f"threads: {fastact.get_num_threads()}; load average at the end: {os.getloadavg()[0]:.2f}\n")
    print("| function | dtype | n | serial µs | parallel µs | t_serial / t_parallel [95 % CI] |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['function']} | {r['dtype']} | 2^{int(np.log2(r['n']))} | {r['serial_us']:.1f} | "
              f"{r['parallel_us']:.1f} | {r['ratio']:.2f} [{r['low']:.2f}, {r['high']:.2f}] |")
    print()
    for function in FUNCTIONS:
        for dtype in DTYPES:
            n = crossover([r for r in rows if r["function"] == function and r["dtype"] == dtype])
            print(f"- crossover {function} {dtype}: " + ("none up to 2^20" if n is None else f"n = 2^{int(np.log2(n))}"))


if __name__ == "__main__":
    main()
