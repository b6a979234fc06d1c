"""Numba CPU loops built around the scalar formulas of :mod:`fastact._kernels.scalar`.

Every factory returns a lazily compiled dispatcher (nothing compiles until the first call
with a given dtype). Loops take 1-D contiguous arrays; :mod:`fastact._layout` turns any
shape and memory layout into that form.

Disk caching: numba keys a cached closure by its bytecode and the pickled values of its
closure variables, but neither by the jit options nor by the source of the functions it
inlines. Each loop therefore closes over ``_cache_tag(parallel)``, a hash of this folder's
sources plus the parallel flag, so a serial loop never loads a parallel one's machine code
and an edited formula never loads stale code. Where no cache directory is writable the loops
compile in memory.
"""

from __future__ import annotations

import hashlib
import pathlib

import numpy as np
from numba import njit, prange

from fastact import _cpu_driver
from fastact._kernels import vmath

#: Elements per block of a parameter-gradient reduction (see :mod:`fastact._cpu_driver`).
REDUCTION_BLOCK = _cpu_driver.REDUCTION_BLOCK

_SOURCE_HASH = hashlib.sha256(
    b"".join(p.read_bytes() for p in sorted(pathlib.Path(__file__).parent.glob("*.py")))
).hexdigest()[:16]

_OPTIONS = dict(nogil=True, error_model="numpy", boundscheck=False)


def _cache_tag(parallel: bool) -> str:
    return f"{_SOURCE_HASH}-{'parallel' if parallel else 'serial'}"


def _jit(loop, parallel: bool):
    try:
        return njit(cache=True, parallel=parallel, **_OPTIONS)(loop)
    except RuntimeError:  # numba found no writable cache location
        return njit(cache=False, parallel=parallel, **_OPTIONS)(loop)


def map_loop(f, parallel: bool):
    """out[i] = f(x[i], p)."""
    tag = _cache_tag(parallel)

    def loop(x, out, p):
        tag  # noqa: B018 -- part of the cache key, see the module docstring
        for i in prange(x.size):
            out[i] = f(x[i], p)

    return _jit(loop, parallel)


def vjp_loop(f, parallel: bool):
    """out[i] = f(g[i], x[i], p)."""
    tag = _cache_tag(parallel)

    def loop(g, x, out, p):
        tag  # noqa: B018
        for i in prange(x.size):
            out[i] = f(g[i], x[i], p)

    return _jit(loop, parallel)


def param_sums_loop(f, parallel: bool):
    """partial[b, j] = Σ_{i in block b} f(g[i], x[i], p, first + j), Neumaier-compensated.

    ``partial`` has one row per block of ``REDUCTION_BLOCK`` elements; the caller adds the
    block sums exactly (``math.fsum``), so the total is deterministic and accurate to float64
    rounding.
    """
    tag = _cache_tag(parallel)
    block = REDUCTION_BLOCK

    def loop(g, x, p, first, partial):
        tag  # noqa: B018
        n = x.size
        for b in prange(partial.shape[0]):
            start = b * block
            stop = min(start + block, n)
            for j in range(partial.shape[1]):
                total = 0.0
                compensation = 0.0
                for i in range(start, stop):
                    v = np.float64(f(g[i], x[i], p, first + j))
                    t = total + v
                    compensation += (total - t) + v if abs(total) >= abs(v) else (v - t) + total
                    total = t
                partial[b, j] = total + compensation

    return _jit(loop, parallel)


def softmax_loop(parallel: bool):
    """Softmax of each row of a C-contiguous 2-D array: y = e^(x − m) / Σ e^(x − m).

    The running maximum propagates NaN; a row holding +inf gives inf − inf = NaN, hence a NaN
    row, as PyTorch. The sum is accumulated in float64.
    """
    tag = _cache_tag(parallel)

    def loop(x, out):
        tag  # noqa: B018
        n = x.shape[1]
        for r in prange(x.shape[0]):
            row = x[r]
            y = out[r]
            m = row[0]
            for i in range(1, n):
                v = row[i]
                m = v if (v > m or v != v) else m
            total = 0.0
            for i in range(n):
                e = vmath.exp(row[i] - m)
                y[i] = e
                total += e
            scale = 1.0 / total
            for i in range(n):
                y[i] = y[i] * scale

    return _jit(loop, parallel)


def softmax_vjp_loop(parallel: bool):
    """Row-wise dL/dx = y ⊙ (g − Σ g·y), the sum accumulated in float64."""
    tag = _cache_tag(parallel)

    def loop(g, y, out):
        tag  # noqa: B018
        n = y.shape[1]
        for r in prange(y.shape[0]):
            total = 0.0
            for i in range(n):
                total += g[r, i] * y[r, i]
            for i in range(n):
                out[r, i] = y[r, i] * (g[r, i] - total)

    return _jit(loop, parallel)
