"""CUDA kernels built around the scalar formulas of :mod:`fastact._kernels.scalar`: the
element-wise kernels, the parameter-gradient sums, and the butterfly exchange the reductions
share (the row-wise kernels are in :mod:`fastact._kernels.cuda_rows`).

Every factory returns a kernel that compiles on its first launch for the argument types it
gets (so once per dtype); :mod:`fastact._cuda_backend` keeps the factories' results, so each
(activation, operation) is built once. The elementary functions the formulas call (vmath's
``exp``, ``tanh``...) compile to libdevice's on this target (:mod:`fastact._kernels.cuda_math`).
Importing this module imports ``numba.cuda``: it is imported only when the CUDA backend is
first used.

Element-wise kernels over contiguous operands take them as 1-D arrays, in tiles of
``UNROLL`` elements per thread with compile-time offsets (:func:`_tiled_source`): eight
coalesced loads in flight per thread before any store, so that a block keeps enough memory
requests outstanding to saturate HBM. Any other layout goes through 4-D strided kernels.

Under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) warp shuffles do not exist; the
butterfly exchange there goes through shared memory with block barriers, so the simulator runs
the same reduction code as the GPU.
"""

from __future__ import annotations

import numba
from numba import cuda
from numba.extending import register_jitable

from fastact._kernels.exact import two_sum

SIMULATED = bool(cuda.config.ENABLE_CUDASIM)
if not SIMULATED:  # the simulator runs vmath's Python functions, which call math's
    from fastact._kernels import cuda_math  # noqa: F401  (registers the libdevice versions)
WARP = 32
#: Elements per thread per tile of the contiguous element-wise kernels: loads in flight.
UNROLL = 8
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


# --- element-wise ---------------------------------------------------------------------------


def _tiled_source(signature: str, loaded: list[str], element, unroll: int, threads: int) -> str:
    """Source of an element-wise kernel ``kernel(signature)`` over 1-D contiguous arrays:
    block b takes the tiles b, b + grid, ... of ``unroll``·``threads`` consecutive elements;
    thread t of the block loads the elements t, t + threads, ... of a tile from each array of
    ``loaded`` (each load coalesced across the warp), all ``unroll`` of them before the first
    store (``out`` may be one of them), then stores ``element(values, index)`` (the source of
    one element's result) at each. The offsets are compile-time constants; the last, partial
    tile is done one element at a time."""
    lines = [f"def kernel({signature}):",
             "    n = out.size",
             f"    i = cuda.blockIdx.x * {unroll * threads} + cuda.threadIdx.x",
             f"    step = cuda.gridDim.x * {unroll * threads}",
             f"    while i + {(unroll - 1) * threads} < n:"]
    for j in range(unroll):
        lines += [f"        {a}{j} = {a}[i + {j * threads}]" for a in loaded]
    for j in range(unroll):
        lines.append(f"        out[i + {j * threads}] = {element([f'{a}{j}' for a in loaded], f'i + {j * threads}')}")
    lines += ["        i += step",
              f"    for _ in range({unroll}):",
              "        if i < n:",
              f"            out[i] = {element([f'{a}[i]' for a in loaded], 'i')}",
              f"        i += {threads}"]
    return "\n".join(lines)


def tiled_kernel(signature: str, loaded: list[str], element, names: dict, threads: int):
    """The kernel of :func:`_tiled_source`, its source run with ``names`` (and ``cuda``) as
    globals; launch it with ``threads`` threads per block."""
    namespace = {"cuda": cuda, **names}
    exec(_tiled_source(signature, loaded, element, UNROLL, threads), namespace)
    return cuda.jit(namespace["kernel"])


def map_kernel(f, threads: int):
    """out[i] = f(x[i], p) over 1-D contiguous arrays; launch with ``threads`` per block."""
    return tiled_kernel("x, out, p", ["x"], lambda v, i: f"f({v[0]}, p)", {"f": f}, threads)


def vjp_kernel(f, threads: int):
    """out[i] = f(g[i], x[i], p) over 1-D contiguous arrays; launch with ``threads`` per block."""
    return tiled_kernel("g, x, out, p", ["g", "x"], lambda v, i: f"f({v[0]}, {v[1]}, p)", {"f": f}, threads)


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
