"""Interleaved, paired timing and bootstrap confidence intervals of time ratios.

:func:`interleaved` times several operations round by round: in each round every operation
runs once, after its untimed ``reset``, in an order that rotates (and reverses every other
round), so slow drifts of the machine (DRAM bandwidth, clock, other processes) hit all of them
alike. Sample i of every operation comes from round i, which pairs them.

:func:`ratio_interval` estimates t_b / t_a as exp(median_i log(t_b,i / t_a,i)) for paired
samples (the ratio of medians otherwise) with a percentile-bootstrap confidence interval.
"""

from __future__ import annotations

import gc
import math
import time
from typing import Callable, Sequence

import numpy as np

RESAMPLES = 2000
LEVEL = 0.95
#: A ratio within ±MARGIN of 1 is treated as "no difference" by :func:`verdict`.
MARGIN = 0.05


def interleaved(operations: Sequence, *, budget_s: float, min_rounds: int, max_rounds: int,
                clock: Callable[[], int] = time.perf_counter_ns) -> np.ndarray:
    """Time each operation (an object with ``reset()`` and ``call()``) once per round.

    Every operation first runs once untimed (compilation, first-touch page faults). Rounds
    continue until ``budget_s`` seconds have passed and at least ``min_rounds`` are done, or
    ``max_rounds`` are done. Returns nanoseconds, shape (rounds, len(operations)).
    """
    for op in operations:
        op.reset()
        op.call()
    k = len(operations)
    rows = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        while len(rows) < max_rounds:
            r = len(rows)
            order = [(i + r) % k for i in range(k)]
            if r % 2:
                order.reverse()
            row = [0] * k
            for i in order:
                op = operations[i]
                op.reset()
                t0 = clock()
                op.call()
                row[i] = clock() - t0
            rows.append(row)
            if len(rows) >= min_rounds and time.perf_counter() - start >= budget_s:
                break
    finally:
        if collecting:
            gc.enable()
    return np.array(rows, dtype=np.int64).reshape(-1, k)


def ratio_interval(a, b, *, paired: bool = True, resamples: int = RESAMPLES, level: float = LEVEL,
                   seed: int = 0) -> tuple[float, float, float]:
    """(estimate, low, high) of the time ratio b / a.

    Paired samples (same length, same rounds): exp(median log(b_i / a_i)), the bootstrap
    resampling rounds. Unpaired: median(b) / median(a), resampling each independently.
    ``seed`` fixes the resampling, so a report rebuilt from saved samples is identical.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    if paired:
        logs = np.log(b / a)
        estimate = math.exp(np.median(logs))
        boot = np.median(logs[rng.integers(0, logs.size, (resamples, logs.size))], axis=1)
        low, high = np.exp(np.quantile(boot, [tail, 1 - tail]))
    else:
        estimate = float(np.median(b) / np.median(a))
        boot = (np.median(b[rng.integers(0, b.size, (resamples, b.size))], axis=1)
                / np.median(a[rng.integers(0, a.size, (resamples, a.size))], axis=1))
        low, high = np.quantile(boot, [tail, 1 - tail])
    return float(estimate), float(low), float(high)


def verdict(low: float, high: float, margin: float = MARGIN) -> str:
    """The claim "b costs more than a" from the interval of t_b / t_a.

    ``"holds"`` when the whole interval lies above 1 + margin, ``"fails"`` when it lies below
    1 − margin (b is the cheaper one), ``"indistinguishable"`` otherwise.
    """
    if low > 1 + margin:
        return "holds"
    if high < 1 - margin:
        return "fails"
    return "indistinguishable"
