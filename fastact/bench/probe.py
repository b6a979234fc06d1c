"""The memory-bandwidth probe: an in-place scale x ← c·x by numba loops, 2 streams.

DRAM bandwidth drifts (60 to 110 GB/s within a minute on the development machine), so every
case is reported against this probe measured beside it, in the same rounds, on an array of
the same size and dtype. The probe follows fastact's own rule for threads: serial below
``fastact._threads.PARALLEL_MIN_SIZE`` elements, parallel above with fastact's thread count,
so that the fraction of the probe compares a case with the cheapest loop of the same shape.
``c`` is a run-time argument (the caller passes −1.0, exact and bounded), so the compiler
cannot fold the multiply away.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastact import _threads
from fastact._kernels.cpu_loops import _jit
from fastact._numba_backend import _Pool


def _scale_serial(x, c):
    for i in range(x.size):
        x[i] *= c


def _scale_parallel(x, c):  # a separate function: numba's disk cache ignores the parallel flag
    for i in prange(x.size):
        x[i] *= c


_serial = _jit(_scale_serial, False)
_parallel = _jit(_scale_parallel, True)

STREAMS = 2


def scale_(x: np.ndarray, c: float = -1.0) -> None:
    """x ← c·x in place; ``x`` is 1-D and contiguous."""
    if x.ndim != 1 or not x.flags.c_contiguous:  # the loops index x[i] for i < x.size
        raise ValueError(f"scale_: x must be 1-D and contiguous, got shape {x.shape}")
    c = x.dtype.type(c)
    if _threads.use_parallel(x.size) and _Pool.enter():
        try:
            _parallel(x, c)
        finally:
            _Pool.leave()
    else:
        _serial(x, c)
