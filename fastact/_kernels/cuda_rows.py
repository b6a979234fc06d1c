"""CUDA kernels for the row-wise functions: softmax, log_softmax, softmin and their backward
passes, along the last axis (rows) or along the middle axis of an (outer, n, inner) array.

Rows: a group of G threads per row (one warp, G = 32, with several rows per block, for rows of
up to 32·``max_k`` elements; a whole block for longer rows). Lane l of the group takes the
elements l, l + G, l + 2G, ... of the row; reductions across the group are butterfly exchanges
(warp shuffles), then, for groups of several warps, a fixed-order pass through shared memory.
Where the row fits, each lane keeps its elements in shared memory (``cap`` elements per row),
so global memory is read once and written once; each lane reads back only what it wrote, so the
cache needs no barrier. Rows too long for the cache are read again from global memory (L2)
for each pass. (Holding float32 rows of one warp in registers instead, with unrolled loops, was
2.8× slower on an H200: bench/RESULTS.md.)

Columns (an axis other than the last): one thread per (outer, inner) line, three passes over
the line (maximum, sum, write), consecutive threads on consecutive memory.

The arithmetic is the CPU kernels' (:mod:`fastact._kernels.softmax_rows`): softmax (and
softmin, the input negated as it is read) e = e^z + e^z·dz with z + dz = x − m exactly
(``two_sum``), stored in the output's dtype, summed in float64, then divided by the sum
(float32 output: times the float64 reciprocal, which rounds to the same float32 but for ties
at 2^-29 relative); log_softmax (z − log Σ e^z) + dz with z + dz = x − m in float64. float64 sums are Neumaier-
compensated per lane and added across lanes with exact two-sums (float32 terms summed in
float64 need no compensation). ``vmath.exp`` and ``vmath.log`` are libdevice's here
(:mod:`fastact._kernels.cuda_math`).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import cuda
from numba.extending import register_jitable

from fastact._kernels import vmath
from fastact._kernels.cuda_loops import WARP, _exchange, _nanmax
from fastact._kernels.exact import neumaier_add, two_sum

#: The row-wise functions: softmax, and the two built from the same kernels.
#: log_softmax: y = z − log Σ e^z, z = x − max x (in float64, as on the CPU);
#: softmin: softmax(−x), the input negated as it is read.
FORWARD_KINDS = ("softmax", "log_softmax", "softmin")
#: Their backward passes from y: y ⊙ (g − Σ g·y), g − e^y·Σ g, y ⊙ (Σ g·y − g).
VJP_KINDS = ("softmax_vjp", "log_softmax_vjp", "softmin_vjp")


@register_jitable
def _plain(total, compensation, v):
    return total + v, compensation


@register_jitable
def exp_term(v, m):
    """e^(v − m) with the rounding error of v − m, in v's dtype (the CPU's formula)."""
    z, dz = two_sum(v, -m)
    e = vmath.exp(z)
    return e + e * dz


@register_jitable
def log_term(v, m, log_total):
    """(z − log Σ) + dz with z + dz = v − m exactly, in float64 (the CPU's log_softmax)."""
    z, dz = two_sum(numba.float64(v), -numba.float64(m))
    return (z - log_total) + dz


def _adder(dtype):
    """The summation step for terms of ``dtype``: compensated for float64, plain otherwise."""
    return neumaier_add if np.dtype(dtype) == np.float64 else _plain


def _forward_flags(kind: str) -> tuple[bool, bool]:
    """(negate the input, log output) of a row-wise forward ``kind``."""
    if kind not in FORWARD_KINDS:
        raise ValueError(f"unknown row-wise function {kind!r}")
    return kind == "softmin", kind == "log_softmax"


def _vjp_parts(kind: str):
    """(term, result) of a row-wise backward ``kind``: the row sum adds term(g, y) (float64)
    and each element becomes result(g, y, total)."""
    if kind not in VJP_KINDS:
        raise ValueError(f"unknown row-wise backward {kind!r}")
    if kind == "log_softmax_vjp":
        @register_jitable
        def term(g, y):
            return numba.float64(g)

        @register_jitable
        def result(g, y, total):
            return g - vmath.exp(numba.float64(y)) * total

        return term, result

    @register_jitable
    def product(g, y):
        return numba.float64(g) * y

    if kind == "softmax_vjp":
        @register_jitable
        def result(g, y, total):
            return y * (g - total)
    else:
        @register_jitable
        def result(g, y, total):
            return y * (total - g)

    return product, result


def _group_reducers(group: int, rows_per_block: int):
    """(group_max, group_sum, warps per block) over the ``group`` threads of one row; every
    thread gets the result. group_sum adds (sum, compensation) pairs with exact two-sums and
    returns the rounded total. Groups of several warps combine the warps' results through
    shared memory in a fixed order. Every thread of the block must call them (barriers)."""
    warps = group // WARP
    warps_per_block = max(group * rows_per_block // WARP, 1)

    @cuda.jit(device=True)
    def group_max(value, scratch, warp_values):
        offset = WARP // 2
        while offset > 0:
            value = _nanmax(value, _exchange(value, offset, scratch))
            offset //= 2
        if warps > 1:
            tid = cuda.threadIdx.x
            first = (tid // group) * warps
            if tid % WARP == 0:
                warp_values[tid // WARP, 0] = value
            cuda.syncthreads()
            value = type(value)(warp_values[first, 0])
            for w in range(1, warps):
                value = _nanmax(value, type(value)(warp_values[first + w, 0]))
            cuda.syncthreads()
        return value

    @cuda.jit(device=True)
    def group_sum(total, compensation, scratch, warp_values):
        offset = WARP // 2
        while offset > 0:
            other = _exchange(total, offset, scratch)
            other_compensation = _exchange(compensation, offset, scratch)
            total, error = two_sum(total, other)
            compensation = (compensation + other_compensation) + error
            offset //= 2
        if warps > 1:
            tid = cuda.threadIdx.x
            first = (tid // group) * warps
            if tid % WARP == 0:
                warp_values[tid // WARP, 0] = total
                warp_values[tid // WARP, 1] = compensation
            cuda.syncthreads()
            total = warp_values[first, 0]
            compensation = warp_values[first, 1]
            for w in range(1, warps):
                total, error = two_sum(total, warp_values[first + w, 0])
                compensation = (compensation + warp_values[first + w, 1]) + error
            cuda.syncthreads()
        return total + compensation

    return group_max, group_sum, warps_per_block


def forward_kernel(dtype, kind: str, group: int, rows_per_block: int, cap: int):
    """``kind`` (softmax, log_softmax or softmin) of the rows of a 2-D array (rows, n):
    ``group`` threads per row, ``rows_per_block`` rows per block, each row's elements kept in
    shared memory when ``cap`` (≥ n) is not 0, else read again for each pass."""
    item = numba.from_dtype(dtype)
    negate, log = _forward_flags(kind)
    wide = np.dtype(dtype) == np.float64
    add = _adder(dtype)
    cached = cap > 0
    cache_shape = (rows_per_block, max(cap, 1))
    block = group * rows_per_block
    group_max, group_sum, warps_per_block = _group_reducers(group, rows_per_block)

    @register_jitable
    def load(x, r, i):
        return -x[r, i] if negate else x[r, i]

    @cuda.jit
    def kernel(x, out):
        rows, n = x.shape
        tid = cuda.threadIdx.x
        slot = tid // group
        lane = tid % group
        cache = cuda.shared.array(cache_shape, item)
        scratch = cuda.shared.array(block, numba.float64)
        warp_values = cuda.shared.array((warps_per_block, 2), numba.float64)
        for first in range(cuda.blockIdx.x * rows_per_block, rows, cuda.gridDim.x * rows_per_block):
            r = first + slot
            length = n if r < rows else 0  # the threads of a missing row only join the reductions
            m = item(-math.inf)
            for i in range(lane, length, group):
                v = load(x, r, i)
                if cached:
                    cache[slot, i] = v
                m = _nanmax(m, v)
            m = group_max(m, scratch, warp_values)
            total = 0.0
            compensation = 0.0
            for i in range(lane, length, group):
                v = cache[slot, i] if cached else load(x, r, i)
                if log:
                    total, compensation = add(total, compensation, exp_term(numba.float64(v), numba.float64(m)))
                else:
                    e = exp_term(v, m)
                    if cached:
                        cache[slot, i] = e
                    total, compensation = add(total, compensation, numba.float64(e))
            total = group_sum(total, compensation, scratch, warp_values)
            if length == 0:
                continue
            if log:
                log_total = vmath.log(total)
                for i in range(lane, length, group):
                    v = cache[slot, i] if cached else load(x, r, i)
                    out[r, i] = log_term(v, m, log_total)
            else:
                scale = 1.0 / total
                for i in range(lane, length, group):
                    e = cache[slot, i] if cached else exp_term(load(x, r, i), m)
                    out[r, i] = e / total if wide else e * scale

    return kernel


def backward_kernel(dtype, kind: str, group: int, rows_per_block: int, cap: int):
    """The backward ``kind`` (softmax_vjp, log_softmax_vjp, softmin_vjp) along the rows of
    2-D arrays g, y → out; g and y kept in shared memory when ``cap`` is not 0."""
    item = numba.from_dtype(dtype)
    term, result = _vjp_parts(kind)
    add = _adder(dtype)
    cached = cap > 0
    cache_shape = (rows_per_block, max(cap, 1))
    block = group * rows_per_block
    _, group_sum, warps_per_block = _group_reducers(group, rows_per_block)

    @cuda.jit
    def kernel(g, y, out):
        rows, n = y.shape
        tid = cuda.threadIdx.x
        slot = tid // group
        lane = tid % group
        g_cache = cuda.shared.array(cache_shape, item)
        y_cache = cuda.shared.array(cache_shape, item)
        scratch = cuda.shared.array(block, numba.float64)
        warp_values = cuda.shared.array((warps_per_block, 2), numba.float64)
        for first in range(cuda.blockIdx.x * rows_per_block, rows, cuda.gridDim.x * rows_per_block):
            r = first + slot
            length = n if r < rows else 0
            total = 0.0
            compensation = 0.0
            for i in range(lane, length, group):
                gi = g[r, i]
                yi = y[r, i]
                if cached:
                    g_cache[slot, i] = gi
                    y_cache[slot, i] = yi
                total, compensation = add(total, compensation, term(gi, yi))
            total = group_sum(total, compensation, scratch, warp_values)
            for i in range(lane, length, group):
                if cached:
                    out[r, i] = result(g_cache[slot, i], y_cache[slot, i], total)
                else:
                    out[r, i] = result(g[r, i], y[r, i], total)

    return kernel


def columns_kernel(dtype, kind: str):
    """``kind`` along axis 1 of a 3-D array (outer, n, inner), one thread per (outer, inner)
    line: the maximum, then e^z into ``out`` and its sum (log_softmax: the sum only), then
    the division (log_softmax: z − log Σ) — the CPU's column loop, line by line."""
    item = numba.from_dtype(dtype)
    negate, log = _forward_flags(kind)
    wide = np.dtype(dtype) == np.float64
    add = _adder(dtype)

    @cuda.jit
    def kernel(x, out):
        outer, n, inner = x.shape
        for t in range(cuda.grid(1), outer * inner, cuda.gridsize(1)):
            o = t // inner
            q = t % inner
            m = item(-math.inf)
            for i in range(n):
                m = _nanmax(m, -x[o, i, q] if negate else x[o, i, q])
            total = 0.0
            compensation = 0.0
            for i in range(n):
                v = -x[o, i, q] if negate else x[o, i, q]
                if log:
                    total, compensation = add(total, compensation, exp_term(numba.float64(v), numba.float64(m)))
                else:
                    e = exp_term(v, m)
                    out[o, i, q] = e
                    total, compensation = add(total, compensation, numba.float64(e))
            total += compensation
            if log:
                log_total = vmath.log(total)
                for i in range(n):
                    out[o, i, q] = log_term(-x[o, i, q] if negate else x[o, i, q], m, log_total)
            else:
                scale = 1.0 / total
                for i in range(n):
                    out[o, i, q] = out[o, i, q] / total if wide else out[o, i, q] * scale

    return kernel


def columns_backward_kernel(dtype, kind: str):
    """The backward ``kind`` along axis 1 of 3-D arrays (outer, n, inner), one thread per line."""
    term, result = _vjp_parts(kind)
    add = _adder(dtype)

    @cuda.jit
    def kernel(g, y, out):
        outer, n, inner = y.shape
        for t in range(cuda.grid(1), outer * inner, cuda.gridsize(1)):
            o = t // inner
            q = t % inner
            total = 0.0
            compensation = 0.0
            for i in range(n):
                total, compensation = add(total, compensation, term(g[o, i, q], y[o, i, q]))
            total += compensation
            for i in range(n):
                out[o, i, q] = result(g[o, i, q], y[o, i, q], total)

    return kernel
