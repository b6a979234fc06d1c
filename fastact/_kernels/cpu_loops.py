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
from numba.extending import register_jitable

from fastact._kernels import rows, stream, vmath
from fastact._kernels.exact import two_sum

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


def map_inplace_loop(f, parallel: bool):
    """x[i] = f(x[i], p), in place.

    One array, not ``map_loop(x, x)``: LLVM vectorizes a loop over two arrays only after a
    run-time check that they do not overlap, and identical arrays fail it (the scalar loop runs).
    """
    tag = _cache_tag(parallel)

    def loop(x, p):
        tag  # noqa: B018
        for i in prange(x.size):
            x[i] = f(x[i], p)

    return _jit(loop, parallel)


def vjp_inplace_loop(f, parallel: bool):
    """g[i] = f(g[i], x[i], p), in place on g (see :func:`map_inplace_loop`)."""
    tag = _cache_tag(parallel)

    def loop(g, x, p):
        tag  # noqa: B018
        for i in prange(x.size):
            g[i] = f(g[i], x[i], p)

    return _jit(loop, parallel)


#: Elements per block of the buffered in-place loops.
INPLACE_BLOCK = 4096


def map_inplace_buffered_loop(f, parallel: bool):
    """x[i] = f(x[i], p), in place, block by block through a buffer in L1.

    For formulas that return their input on one branch (relu, elu, ...): stored straight back,
    that branch's store disappears (it writes the value just read) and LLVM vectorizes the
    other as a masked store (``vmaskmovps``), slow on AMD: relu_ ran at 0.82 ns/element against
    0.22 through the buffer (1 thread, 1e6 float32). For the other formulas the direct loop is
    faster (sigmoid_: 1.8 against 2.6 ns).
    """
    tag = _cache_tag(parallel)

    def loop(x, p):
        tag  # noqa: B018
        n = x.size
        tasks = min(STREAM_TASKS, (n + INPLACE_BLOCK - 1) // INPLACE_BLOCK)
        for task in prange(tasks):
            buffer = np.empty(INPLACE_BLOCK, x.dtype)
            stop = (task + 1) * n // tasks
            for start in range(task * n // tasks, stop, INPLACE_BLOCK):
                block = x[start:min(start + INPLACE_BLOCK, stop)]  # indexed from 0: vectorizes
                for j in range(block.size):
                    buffer[j] = f(block[j], p)
                for j in range(block.size):
                    block[j] = buffer[j]

    return _jit(loop, parallel)


def vjp_inplace_buffered_loop(f, parallel: bool):
    """g[i] = f(g[i], x[i], p), in place on g through a buffer (see
    :func:`map_inplace_buffered_loop`)."""
    tag = _cache_tag(parallel)

    def loop(g, x, p):
        tag  # noqa: B018
        n = x.size
        tasks = min(STREAM_TASKS, (n + INPLACE_BLOCK - 1) // INPLACE_BLOCK)
        for task in prange(tasks):
            buffer = np.empty(INPLACE_BLOCK, g.dtype)
            stop = (task + 1) * n // tasks
            for start in range(task * n // tasks, stop, INPLACE_BLOCK):
                end = min(start + INPLACE_BLOCK, stop)
                block, x_block = g[start:end], x[start:end]
                for j in range(block.size):
                    buffer[j] = f(block[j], x_block[j], p)
                for j in range(block.size):
                    block[j] = buffer[j]

    return _jit(loop, parallel)


def vjp_loop(f, parallel: bool):
    """out[i] = f(g[i], x[i], p)."""
    tag = _cache_tag(parallel)

    def loop(g, x, out, p):
        tag  # noqa: B018
        for i in prange(x.size):
            out[i] = f(g[i], x[i], p)

    return _jit(loop, parallel)


#: Tasks of the streaming loops (consecutive ranges; at least one per thread).
STREAM_TASKS = 64


def map_stream_loop(f, parallel: bool):
    """out[i] = f(x[i], p), written with streaming stores (:mod:`fastact._kernels.stream`): for
    outputs that do not fit in cache."""
    tag = _cache_tag(parallel)

    @register_jitable(forceinline=True)
    def fill(buffer, inputs, start, count, p):
        x = inputs[0][start:start + count]  # indexed from 0: vectorizes
        for j in range(count):
            buffer[j] = f(x[j], p)

    write = stream.block_writer(fill)

    def loop(x, out, p):
        tag  # noqa: B018
        for task in prange(STREAM_TASKS):
            write((x,), out, p, task * x.size // STREAM_TASKS, (task + 1) * x.size // STREAM_TASKS)

    return _jit(loop, parallel)


def vjp_stream_loop(f, parallel: bool):
    """out[i] = f(g[i], x[i], p), written with streaming stores (see :func:`map_stream_loop`)."""
    tag = _cache_tag(parallel)

    @register_jitable(forceinline=True)
    def fill(buffer, inputs, start, count, p):
        g, x = inputs[0][start:start + count], inputs[1][start:start + count]  # indexed from 0: vectorizes
        for j in range(count):
            buffer[j] = f(g[j], x[j], p)

    write = stream.block_writer(fill)

    def loop(g, x, out, p):
        tag  # noqa: B018
        for task in prange(STREAM_TASKS):
            write((g, x), out, p, task * x.size // STREAM_TASKS, (task + 1) * x.size // STREAM_TASKS)

    return _jit(loop, parallel)


def param_sums_loop(f, parallel: bool):
    """partial[b, j] = Σ_{i in block b} f(g[i], x[i], p, first + j), Neumaier-compensated.

    ``partial`` has one row per block of ``block`` elements; the caller adds the block sums
    (``_cpu_driver.add_blocks``), so the total is the same for every thread count.
    """
    tag = _cache_tag(parallel)

    def loop(g, x, p, first, block, partial):
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


#: Columns per task of the column-wise softmax loops: tasks are (outer index, column chunk).
COLUMN_CHUNK = 256


def softmax_columns_loop(parallel: bool):
    """Softmax along the middle axis of a C-contiguous (outer, n, inner) array.

    For an axis other than the last: each pass runs along rows of an (n, chunk) block of the
    slab, so memory is read in order and the loops vectorize across columns, with no
    transposed copy. Per column: NaN-propagating maximum, e^(x − m) with the rounding error of
    x − m, a Neumaier-compensated float64 sum, then one division per element.
    """
    tag = _cache_tag(parallel)
    chunk = COLUMN_CHUNK

    def loop(x, out):
        tag  # noqa: B018
        n, inner = x.shape[1], x.shape[2]
        chunks = (inner + chunk - 1) // chunk
        for task in prange(x.shape[0] * chunks):
            o = task // chunks
            j0 = (task % chunks) * chunk
            width = min(chunk, inner - j0)
            m = x[o, 0, j0:j0 + width].copy()
            for i in range(1, n):
                for j in range(width):
                    m[j] = rows._larger(x[o, i, j0 + j], m[j])
            total = np.zeros(width)
            compensation = np.zeros(width)
            for i in range(n):
                for j in range(width):
                    z, dz = two_sum(x[o, i, j0 + j], -m[j])
                    e = vmath.exp(z)
                    e += e * dz
                    out[o, i, j0 + j] = e
                    t = total[j] + e
                    compensation[j] += (total[j] - t) + e if total[j] >= e else (e - t) + total[j]
                    total[j] = t
            for j in range(width):
                total[j] += compensation[j]
            for i in range(n):
                for j in range(width):
                    out[o, i, j0 + j] = out[o, i, j0 + j] / total[j]

    return _jit(loop, parallel)


def softmax_columns_vjp_loop(parallel: bool):
    """softmax_vjp along the middle axis of C-contiguous (outer, n, inner) arrays."""
    tag = _cache_tag(parallel)
    chunk = COLUMN_CHUNK

    def loop(g, y, out):
        tag  # noqa: B018
        n, inner = y.shape[1], y.shape[2]
        chunks = (inner + chunk - 1) // chunk
        for task in prange(y.shape[0] * chunks):
            o = task // chunks
            j0 = (task % chunks) * chunk
            width = min(chunk, inner - j0)
            total = np.zeros(width)
            compensation = np.zeros(width)
            for i in range(n):
                for j in range(width):
                    v = float(g[o, i, j0 + j]) * y[o, i, j0 + j]
                    t = total[j] + v
                    compensation[j] += (total[j] - t) + v if abs(total[j]) >= abs(v) else (v - t) + total[j]
                    total[j] = t
            for j in range(width):
                total[j] += compensation[j]
            for i in range(n):
                for j in range(width):
                    out[o, i, j0 + j] = y[o, i, j0 + j] * (g[o, i, j0 + j] - total[j])

    return _jit(loop, parallel)


#: Row loops run in at most this many tasks of consecutive rows, each with its own work row.
ROW_TASKS = 64


def row_loop(transform, parallel: bool):
    """out[r] = transform(x[r]) for each row of C-contiguous 2-D arrays; ``out`` may be ``x``.

    ``transform(y, w)`` (:mod:`fastact._kernels.softmax_rows`) works in place on the output
    row, which takes a copy of the input row first when ``out`` is not ``x`` (in cache for
    rows that fit); ``w`` is a float64 work row per task.
    """
    tag = _cache_tag(parallel)

    def loop(x, out):
        tag  # noqa: B018
        copy = x.ctypes.data != out.ctypes.data
        count, n = x.shape
        tasks = min(count, ROW_TASKS)
        for task in prange(tasks):
            w = np.empty(n)
            for r in range(task * count // tasks, (task + 1) * count // tasks):
                y = out[r]
                if copy:
                    for i in range(n):
                        y[i] = x[r, i]
                transform(y, w)

    return _jit(loop, parallel)


def row_vjp_loop(transform, parallel: bool):
    """out[r] = transform(g[r], y[r]) row by row; ``out`` may be ``g`` (then ``transform`` reads a
    float64 copy of the row, exact), but not ``y``."""
    tag = _cache_tag(parallel)

    def loop(g, y, out):
        tag  # noqa: B018
        in_place = g.ctypes.data == out.ctypes.data
        count, n = y.shape
        tasks = min(count, ROW_TASKS)
        for task in prange(tasks):
            w = np.empty(n if in_place else 0)
            for r in range(task * count // tasks, (task + 1) * count // tasks):
                if in_place:
                    for i in range(n):
                        w[i] = g[r, i]
                    transform(w, y[r], out[r])
                else:
                    transform(g[r], y[r], out[r])

    return _jit(loop, parallel)
