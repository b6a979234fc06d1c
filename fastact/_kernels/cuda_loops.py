"""CUDA kernels built around the scalar formulas of :mod:`fastact._kernels.scalar`.

Every factory returns a ``numba.cuda.jit`` kernel that compiles on its first launch for the
argument types it gets (so once per dtype); :mod:`fastact._cuda_backend` keeps the factories'
results, so each (activation, operation) is built once. Importing this module imports
``numba.cuda``: it is imported only when the CUDA backend is first used.

Element-wise kernels are grid-stride loops: contiguous operands as 1-D arrays, four elements
per thread per step, all loads before any store (``out`` may be the input); any other layout
as 4-D strided arrays. Softmax kernels give each row a group of G threads (one warp, or
several), each holding K elements of the row in registers: one read and one write of global
memory per element, with butterfly reductions across the group. Rows longer than G·K are read
twice (an online max/sum pass, then the write pass). log_softmax and softmin use the softmax
kernels, built with ``kind`` (``FORWARD_KINDS``, ``VJP_KINDS``): softmin negates x as it is
read; log_softmax writes z − log Σ e^z.

Under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) warp shuffles do not exist; the
butterfly exchange there goes through shared memory with block barriers, so the simulator runs
the same reduction code as the GPU.
"""

from __future__ import annotations

import math

import numba
from numba import cuda
from numba.extending import register_jitable

from fastact._kernels import vmath
from fastact._kernels.exact import two_sum

SIMULATED = bool(cuda.config.ENABLE_CUDASIM)
WARP = 32
#: Elements per thread per step of the contiguous element-wise loops.
UNROLL = 4
#: Parameter-gradient reductions: threads per block and elements per thread of one chunk;
#: the chunks, not the grid, fix the summation order.
REDUCTION_THREADS = 256
REDUCTION_PER_THREAD = 16
REDUCTION_CHUNK = REDUCTION_THREADS * REDUCTION_PER_THREAD
_FULL_MASK = 0xFFFFFFFF


# --- the butterfly exchange: lane i gets the value of lane i ^ offset ----------------------

if SIMULATED:
    @cuda.jit(device=True)
    def _exchange(value, offset, scratch):
        tid = cuda.threadIdx.x
        scratch[tid] = value
        cuda.syncthreads()
        other = scratch[tid ^ offset]
        cuda.syncthreads()
        return type(value)(other)
else:
    @cuda.jit(device=True, inline="always")
    def _exchange(value, offset, scratch):
        return cuda.shfl_xor_sync(_FULL_MASK, value, offset)


@register_jitable
def _nanmax(a, b):
    """max(a, b) propagating NaN from either side."""
    return b if (b > a or b != b) else a


@register_jitable
def _identity(x, p):
    return x


@register_jitable
def _online_add(m, d, v):
    """Add element v to the running (max m, Σ e^(x − m) = d) of a row (Milakov & Gimelshein).

    A new maximum contributes e^(v − v): 1, or NaN for +inf (inf − inf, as the two-pass
    form). −inf adds nothing while no larger element has been seen; the caller turns a row
    whose maximum stays −inf into NaN.
    """
    if v > m or v != v:
        return v, d * vmath.exp(m - v) + numba.float64(vmath.exp(v - v))
    if m > -math.inf:
        return m, d + numba.float64(vmath.exp(v - m))
    return m, d


@register_jitable
def _online_total(m, d):
    """The row sum to divide by: NaN for a row of −inf only (−inf − (−inf))."""
    return d if m > -math.inf else m - m


# --- element-wise ---------------------------------------------------------------------------


def map_kernel(f):
    """out[i] = f(x[i], p) over 1-D contiguous arrays."""

    @cuda.jit
    def kernel(x, out, p):
        n = x.size
        stride = cuda.gridsize(1)
        i = cuda.grid(1)
        while i + 3 * stride < n:
            a0 = x[i]
            a1 = x[i + stride]
            a2 = x[i + 2 * stride]
            a3 = x[i + 3 * stride]
            out[i] = f(a0, p)
            out[i + stride] = f(a1, p)
            out[i + 2 * stride] = f(a2, p)
            out[i + 3 * stride] = f(a3, p)
            i += UNROLL * stride
        while i < n:
            out[i] = f(x[i], p)
            i += stride

    return kernel


def vjp_kernel(f):
    """out[i] = f(g[i], x[i], p) over 1-D contiguous arrays."""

    @cuda.jit
    def kernel(g, x, out, p):
        n = x.size
        stride = cuda.gridsize(1)
        i = cuda.grid(1)
        while i + 3 * stride < n:
            g0 = g[i]
            g1 = g[i + stride]
            g2 = g[i + 2 * stride]
            g3 = g[i + 3 * stride]
            a0 = x[i]
            a1 = x[i + stride]
            a2 = x[i + 2 * stride]
            a3 = x[i + 3 * stride]
            out[i] = f(g0, a0, p)
            out[i + stride] = f(g1, a1, p)
            out[i + 2 * stride] = f(g2, a2, p)
            out[i + 3 * stride] = f(g3, a3, p)
            i += UNROLL * stride
        while i < n:
            out[i] = f(g[i], x[i], p)
            i += stride

    return kernel


def map_strided_kernel(f):
    """out[i] = f(x[i], p) over 4-D arrays of any strides (C order of the index)."""

    @cuda.jit
    def kernel(x, out, p):
        s0, s1, s2, s3 = out.shape
        for i in range(cuda.grid(1), s0 * s1 * s2 * s3, cuda.gridsize(1)):
            i3 = i % s3
            t = i // s3
            i2 = t % s2
            t //= s2
            i1 = t % s1
            i0 = t // s1
            out[i0, i1, i2, i3] = f(x[i0, i1, i2, i3], p)

    return kernel


def vjp_strided_kernel(f):
    """out[i] = f(g[i], x[i], p) over 4-D arrays of any strides."""

    @cuda.jit
    def kernel(g, x, out, p):
        s0, s1, s2, s3 = out.shape
        for i in range(cuda.grid(1), s0 * s1 * s2 * s3, cuda.gridsize(1)):
            i3 = i % s3
            t = i // s3
            i2 = t % s2
            t //= s2
            i1 = t % s1
            i0 = t // s1
            out[i0, i1, i2, i3] = f(g[i0, i1, i2, i3], x[i0, i1, i2, i3], p)

    return kernel


def copy_strided_kernel():
    """out[i] = x[i] over 4-D arrays of any strides, casting to out's dtype."""
    return map_strided_kernel(_identity)


def param_sums_kernel(f):
    """partial[c, j] = Σ_{i in chunk c} f(g[i], x[i], p, first + j) over 1-D contiguous arrays.

    Chunk c holds elements [c·C, (c+1)·C), C = ``REDUCTION_CHUNK``; launch with
    ``REDUCTION_THREADS`` threads per block and any number of blocks. Each thread adds its
    ``REDUCTION_PER_THREAD`` elements in float64 with Neumaier compensation; the block then
    adds the (sum, error) pairs in a fixed tree with exact two-sums. The order depends on
    neither the grid nor the device, so the result is the same on every run.
    """
    threads = REDUCTION_THREADS

    @cuda.jit
    def kernel(g, x, p, first, partial):
        n = x.size
        tid = cuda.threadIdx.x
        sums = cuda.shared.array(threads, numba.float64)
        errors = cuda.shared.array(threads, numba.float64)
        for c in range(cuda.blockIdx.x, partial.shape[0], cuda.gridDim.x):
            start = c * REDUCTION_CHUNK
            for j in range(partial.shape[1]):
                total = 0.0
                compensation = 0.0
                for t in range(REDUCTION_PER_THREAD):
                    i = start + tid + t * threads
                    if i < n:
                        v = numba.float64(f(g[i], x[i], p, first + j))
                        s = total + v
                        compensation += (total - s) + v if abs(total) >= abs(v) else (v - s) + total
                        total = s
                sums[tid] = total
                errors[tid] = compensation
                cuda.syncthreads()
                width = threads // 2
                while width > 0:
                    if tid < width:
                        s, e = two_sum(sums[tid], sums[tid + width])
                        sums[tid] = s
                        errors[tid] += errors[tid + width] + e
                    cuda.syncthreads()
                    width //= 2
                if tid == 0:
                    partial[c, j] = sums[0] + errors[0]
                cuda.syncthreads()

    return kernel


# --- softmax ----------------------------------------------------------------------------------


def _group_reducers(group: int, rows_per_block: int):
    """(group_max, group_sum) over the ``group`` threads of one row (every thread gets the
    result). Groups of more than one warp combine the warps' results through shared memory
    in a fixed order. Every thread of the block must call them (barriers)."""
    warps = group // WARP
    block = group * rows_per_block

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
                warp_values[tid // WARP] = value
            cuda.syncthreads()
            value = type(value)(warp_values[first])
            for w in range(1, warps):
                value = _nanmax(value, type(value)(warp_values[first + w]))
            cuda.syncthreads()
        return value

    @cuda.jit(device=True)
    def group_sum(value, scratch, warp_values):
        offset = WARP // 2
        while offset > 0:
            value += _exchange(value, offset, scratch)
            offset //= 2
        if warps > 1:
            tid = cuda.threadIdx.x
            first = (tid // group) * warps
            if tid % WARP == 0:
                warp_values[tid // WARP] = value
            cuda.syncthreads()
            value = warp_values[first]
            for w in range(1, warps):
                value += warp_values[first + w]
            cuda.syncthreads()
        return value

    return group_max, group_sum, block, max(block // WARP, 1)


#: The row-wise functions: softmax, and the two built from the same kernels.
#: log_softmax: y = z − log Σ e^z, z = x − max x (each e^z in float64, as on the CPU);
#: softmin: softmax(−x), the input negated as it is read.
FORWARD_KINDS = ("softmax", "log_softmax", "softmin")
#: Their backward passes from y: y ⊙ (g − Σ g·y), g − e^y·Σ g, −y ⊙ (g − Σ g·y).
VJP_KINDS = ("softmax_vjp", "log_softmax_vjp", "softmin_vjp")


@register_jitable
def _log_term(z):
    """e^z in float64, the log_softmax summand."""
    return vmath.exp(numba.float64(z))


def _vjp_parts(kind: str):
    """(term, result) of a row-wise backward ``kind``: the row sum adds term(g, y) (float64)
    and each element becomes result(g, y, total)."""
    if kind == "log_softmax_vjp":
        @cuda.jit(device=True)
        def term(g, y):
            return numba.float64(g)

        @cuda.jit(device=True)
        def result(g, y, total):
            return g - vmath.exp(numba.float64(y)) * total
    else:
        sign = -1 if kind == "softmin_vjp" else 1

        @cuda.jit(device=True)
        def term(g, y):
            return numba.float64(g * y)

        @cuda.jit(device=True)
        def result(g, y, total):
            return sign * (y * (g - total))

    return term, result


def _forward_flags(kind: str) -> tuple[bool, bool]:
    """(negate the input, log output) of a row-wise forward ``kind``."""
    if kind not in FORWARD_KINDS:
        raise ValueError(f"unknown row-wise function {kind!r}")
    return kind == "softmin", kind == "log_softmax"


def softmax_cached_kernel(dtype, k: int, group: int, rows_per_block: int, kind: str = "softmax"):
    """``kind`` (softmax, log_softmax or softmin) of the rows of a 2-D array (rows, n ≤ k·group):
    ``group`` threads per row, ``rows_per_block`` rows per block, k elements per thread held
    in registers. The sum is accumulated in float64, as on the CPU."""
    item = numba.from_dtype(dtype)
    negate, log = _forward_flags(kind)
    group_max, group_sum, block, warps_per_block = _group_reducers(group, rows_per_block)

    @cuda.jit
    def kernel(x, out):
        rows, n = x.shape
        tid = cuda.threadIdx.x
        lane = tid % group
        scratch = cuda.shared.array(block, numba.float64)
        warp_values = cuda.shared.array(warps_per_block, numba.float64)
        v = cuda.local.array(k, item)
        for first_row in range(cuda.blockIdx.x * rows_per_block, rows, cuda.gridDim.x * rows_per_block):
            r = first_row + tid // group
            valid = r < rows
            for j in range(k):
                i = lane + j * group
                if valid and i < n:
                    v[j] = -x[r, i] if negate else x[r, i]
                else:
                    v[j] = item(-math.inf)
            m = v[0]
            for j in range(1, k):
                m = _nanmax(m, v[j])
            m = group_max(m, scratch, warp_values)
            total = 0.0
            for j in range(k):
                if valid and lane + j * group < n:
                    if log:
                        z = v[j] - m
                        v[j] = z
                        total += _log_term(z)
                    else:
                        e = vmath.exp(v[j] - m)
                        v[j] = e
                        total += numba.float64(e)
            total = group_sum(total, scratch, warp_values)
            if valid:
                if log:
                    log_total = vmath.log(total)
                    for j in range(k):
                        i = lane + j * group
                        if i < n:
                            out[r, i] = numba.float64(v[j]) - log_total
                else:
                    scale = 1.0 / total
                    for j in range(k):
                        i = lane + j * group
                        if i < n:
                            out[r, i] = v[j] * scale

    return kernel


def softmax_online_kernel(dtype, group: int, kind: str = "softmax"):
    """``kind`` of long rows: one block of ``group`` threads per row, an online (max, sum)
    pass and a write pass (two reads of x, one write)."""
    item = numba.from_dtype(dtype)
    negate, log = _forward_flags(kind)
    group_max, group_sum, block, warps_per_block = _group_reducers(group, 1)

    @cuda.jit
    def kernel(x, out):
        rows, n = x.shape
        lane = cuda.threadIdx.x
        scratch = cuda.shared.array(block, numba.float64)
        warp_values = cuda.shared.array(warps_per_block, numba.float64)
        for r in range(cuda.blockIdx.x, rows, cuda.gridDim.x):
            m = item(-math.inf)
            d = 0.0
            for i in range(lane, n, group):
                m, d = _online_add(m, d, -x[r, i] if negate else x[r, i])
            row_max = group_max(m, scratch, warp_values)
            d = d * vmath.exp(m - row_max) if m > -math.inf else 0.0
            total = _online_total(row_max, group_sum(d, scratch, warp_values))
            if log:
                log_total = vmath.log(total)
                for i in range(lane, n, group):
                    out[r, i] = numba.float64(x[r, i] - row_max) - log_total
            else:
                scale = 1.0 / total
                for i in range(lane, n, group):
                    out[r, i] = vmath.exp((-x[r, i] if negate else x[r, i]) - row_max) * scale

    return kernel


def softmax_columns_kernel(dtype, kind: str = "softmax"):
    """``kind`` along axis 1 of a 3-D array (outer, n, inner), one thread per (outer, inner)
    line: consecutive threads read consecutive memory when the inner stride is the item."""
    item = numba.from_dtype(dtype)
    negate, log = _forward_flags(kind)

    @cuda.jit
    def kernel(x, out):
        outer, n, inner = x.shape
        for t in range(cuda.grid(1), outer * inner, cuda.gridsize(1)):
            o = t // inner
            q = t % inner
            m = item(-math.inf)
            d = 0.0
            for i in range(n):
                m, d = _online_add(m, d, -x[o, i, q] if negate else x[o, i, q])
            total = _online_total(m, d)
            if log:
                log_total = vmath.log(total)
                for i in range(n):
                    out[o, i, q] = numba.float64(x[o, i, q] - m) - log_total
            else:
                scale = 1.0 / total
                for i in range(n):
                    out[o, i, q] = vmath.exp((-x[o, i, q] if negate else x[o, i, q]) - m) * scale

    return kernel


def softmax_vjp_cached_kernel(dtype, k: int, group: int, rows_per_block: int, kind: str = "softmax_vjp"):
    """The backward ``kind`` (softmax_vjp, log_softmax_vjp, softmin_vjp) along the rows of 2-D
    arrays, g and y held in registers."""
    item = numba.from_dtype(dtype)
    term, result = _vjp_parts(kind)
    _, group_sum, block, warps_per_block = _group_reducers(group, rows_per_block)

    @cuda.jit
    def kernel(g, y, out):
        rows, n = y.shape
        tid = cuda.threadIdx.x
        lane = tid % group
        scratch = cuda.shared.array(block, numba.float64)
        warp_values = cuda.shared.array(warps_per_block, numba.float64)
        gv = cuda.local.array(k, item)
        yv = cuda.local.array(k, item)
        for first_row in range(cuda.blockIdx.x * rows_per_block, rows, cuda.gridDim.x * rows_per_block):
            r = first_row + tid // group
            valid = r < rows
            total = 0.0
            for j in range(k):
                i = lane + j * group
                if valid and i < n:
                    gv[j] = g[r, i]
                    yv[j] = y[r, i]
                    total += term(gv[j], yv[j])
            total = group_sum(total, scratch, warp_values)
            if valid:
                for j in range(k):
                    i = lane + j * group
                    if i < n:
                        out[r, i] = result(gv[j], yv[j], total)

    return kernel


def softmax_vjp_online_kernel(group: int, kind: str = "softmax_vjp"):
    """The backward ``kind`` for long rows: one block per row, a sum pass and a write pass."""
    term, result = _vjp_parts(kind)
    _, group_sum, block, warps_per_block = _group_reducers(group, 1)

    @cuda.jit
    def kernel(g, y, out):
        rows, n = y.shape
        lane = cuda.threadIdx.x
        scratch = cuda.shared.array(block, numba.float64)
        warp_values = cuda.shared.array(warps_per_block, numba.float64)
        for r in range(cuda.blockIdx.x, rows, cuda.gridDim.x):
            total = 0.0
            for i in range(lane, n, group):
                total += term(g[r, i], y[r, i])
            total = group_sum(total, scratch, warp_values)
            for i in range(lane, n, group):
                out[r, i] = result(g[r, i], y[r, i], total)

    return kernel


def softmax_vjp_columns_kernel(kind: str = "softmax_vjp"):
    """The backward ``kind`` along axis 1 of 3-D arrays (outer, n, inner), one thread per line."""
    term, result = _vjp_parts(kind)

    @cuda.jit
    def kernel(g, y, out):
        outer, n, inner = y.shape
        for t in range(cuda.grid(1), outer * inner, cuda.gridsize(1)):
            o = t // inner
            q = t % inner
            total = 0.0
            for i in range(n):
                total += term(g[o, i, q], y[o, i, q])
            for i in range(n):
                out[o, i, q] = result(g[o, i, q], y[o, i, q], total)

    return kernel
