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

All the loops one factory makes (one per formula) share numba's cache index file, and numba
names a new entry's data file by the first number its index does not list: two processes
compiling different formulas at once (pytest-xdist workers, data-loader processes) could
both pick number n, and the index of one then pointed at the other's machine code (seen:
celu's forward loop running silu′). Each entry's data file is named by a hash of its key
instead (:class:`_KeyedDataFile`), so a race can only lose an index entry (a later miss).
"""

from __future__ import annotations

import hashlib
import pathlib
import types

import numpy as np
from numba import njit, prange
from numba.core import caching, serialize
from numba.extending import register_jitable

from fastact._kernels import rows, stream, vmath
from fastact._kernels.exact import two_sum

_SOURCE_HASH = hashlib.sha256(
    b"".join(p.read_bytes() for p in sorted(pathlib.Path(__file__).parent.glob("*.py")))
).hexdigest()[:16]

_OPTIONS = dict(nogil=True, error_model="numpy", boundscheck=False)


def _cache_tag(parallel: bool) -> str:
    return f"{_SOURCE_HASH}-{'parallel' if parallel else 'serial'}"


class _KeyedDataFile(caching.IndexDataCacheFile):
    """numba's index and data files, each entry's data file named by a hash of its key (the
    signature, the CPU and the hashes of the bytecode and closure values)."""

    def save(self, key, data):
        number = int(hashlib.sha256(repr(key).encode()).hexdigest()[:12], 16)
        name = self._data_name(number)
        overloads = self._load_index()
        if overloads.get(key) != name:
            overloads[key] = name
            self._save_index(overloads)
        self._save_data(name, data)


def _jit(loop, parallel: bool):
    """``loop`` compiled lazily with the options above, cached on disk where that is possible.

    Its qualified name gets the names of the functions it closes over (its formulas) and a hash
    of all its closure values (formulas, cache tag, constants): numba names a compiled function
    by qualified name and a per-process counter, and cached loops of one factory compiled in
    different processes could otherwise carry the same symbol for different formulas; loaded
    into one process, the second one's calls went to the first's code (seen: sigmoid′ with
    slope 1.5 running the slope-1 loop). It also gives each loop its own cache index file.
    """
    closure = tuple(cell.cell_contents for cell in loop.__closure__ or ())
    formulas = [value.__name__ for value in closure if isinstance(value, types.FunctionType)]
    digest = hashlib.sha256(serialize.dumps(closure)).hexdigest()[:12]
    loop.__qualname__ = ".".join([loop.__qualname__, *formulas, digest])
    try:
        dispatcher = njit(cache=True, parallel=parallel, **_OPTIONS)(loop)
    except RuntimeError:  # numba found no writable cache location
        return njit(cache=False, parallel=parallel, **_OPTIONS)(loop)
    cache_file = getattr(dispatcher._cache, "_cache_file", None)
    if type(cache_file) is caching.IndexDataCacheFile:
        cache_file.__class__ = _KeyedDataFile
    return dispatcher


def map_loop(f):
    """out[i] = f(x[i], p) (serial; :func:`split_loop` makes it parallel)."""
    tag = _cache_tag(False)

    def loop(x, out, p):
        tag  # noqa: B018 -- part of the cache key, see the module docstring
        for i in range(x.size):
            out[i] = f(x[i], p)

    return _jit(loop, False)


def map_inplace_loop(f):
    """x[i] = f(x[i], p), in place.

    One array, not ``map_loop(x, x)``: LLVM vectorizes a loop over two arrays only after a
    run-time check that they do not overlap, and identical arrays fail it (the scalar loop runs).
    """
    tag = _cache_tag(False)

    def loop(x, p):
        tag  # noqa: B018
        for i in range(x.size):
            x[i] = f(x[i], p)

    return _jit(loop, False)


def vjp_inplace_loop(f):
    """g[i] = f(g[i], x[i], p), in place on g (see :func:`map_inplace_loop`)."""
    tag = _cache_tag(False)

    def loop(g, x, p):
        tag  # noqa: B018
        for i in range(x.size):
            g[i] = f(g[i], x[i], p)

    return _jit(loop, False)


#: Elements per block of the buffered in-place loops.
INPLACE_BLOCK = 1024


def map_inplace_buffered_loop(f):
    """x[i] = f(x[i], p), in place, block by block through a buffer in L1.

    For formulas that return their input on one branch (relu, elu, ...): stored straight back,
    that branch's store disappears (it writes the value just read) and LLVM vectorizes the
    other as a masked store (``vmaskmovps``), slow on AMD: relu_ ran at 0.82 ns/element against
    0.22 through the buffer (1 thread, 1e6 float32). For the other formulas the direct loop is
    faster (sigmoid_: 1.8 against 2.6 ns).
    """
    tag = _cache_tag(False)

    def loop(x, p):
        tag  # noqa: B018
        buffer = np.empty(INPLACE_BLOCK, x.dtype)
        for start in range(0, x.size, INPLACE_BLOCK):
            block = x[start:start + INPLACE_BLOCK]  # indexed from 0: vectorizes
            for j in range(block.size):
                buffer[j] = f(block[j], p)
            for j in range(block.size):
                block[j] = buffer[j]

    return _jit(loop, False)


def vjp_inplace_buffered_loop(f):
    """g[i] = f(g[i], x[i], p), in place on g through a buffer (see
    :func:`map_inplace_buffered_loop`)."""
    tag = _cache_tag(False)

    def loop(g, x, p):
        tag  # noqa: B018
        buffer = np.empty(INPLACE_BLOCK, g.dtype)
        for start in range(0, x.size, INPLACE_BLOCK):
            block, x_block = g[start:start + INPLACE_BLOCK], x[start:start + INPLACE_BLOCK]
            for j in range(block.size):
                buffer[j] = f(block[j], x_block[j], p)
            for j in range(block.size):
                block[j] = buffer[j]

    return _jit(loop, False)


def vjp_loop(f):
    """out[i] = f(g[i], x[i], p)."""
    tag = _cache_tag(False)

    def loop(g, x, out, p):
        tag  # noqa: B018
        for i in range(x.size):
            out[i] = f(g[i], x[i], p)

    return _jit(loop, False)


def map_stream_loop(f):
    """out[i] = f(x[i], p), written with streaming stores (:mod:`fastact._kernels.stream`): for
    outputs that do not fit in cache."""
    tag = _cache_tag(False)

    @register_jitable(forceinline=True)
    def fill(buffer, inputs, start, count, p):
        x = inputs[0][start:start + count]  # indexed from 0: vectorizes
        for j in range(count):
            buffer[j] = f(x[j], p)

    write = stream.block_writer(fill)

    def loop(x, out, p):
        tag  # noqa: B018
        write((x,), out, p, 0, x.size)

    return _jit(loop, False)


def vjp_stream_loop(f):
    """out[i] = f(g[i], x[i], p), written with streaming stores (see :func:`map_stream_loop`)."""
    tag = _cache_tag(False)

    @register_jitable(forceinline=True)
    def fill(buffer, inputs, start, count, p):
        g, x = inputs[0][start:start + count], inputs[1][start:start + count]  # indexed from 0: vectorizes
        for j in range(count):
            buffer[j] = f(g[j], x[j], p)

    write = stream.block_writer(fill)

    def loop(g, x, out, p):
        tag  # noqa: B018
        write((g, x), out, p, 0, x.size)

    return _jit(loop, False)


#: The parallel element-wise loops split their arrays into at most this many tasks of
#: consecutive elements (numba hands each thread a contiguous range of tasks), each at least
#: SPLIT_MIN_TASK elements long and starting on a multiple of SPLIT_ALIGN elements.
SPLIT_TASKS = 64
SPLIT_MIN_TASK = 4096
SPLIT_ALIGN = 16


@register_jitable(forceinline=True)
def _split_bounds(task, tasks, n):
    """[start, stop) of ``task`` of ``tasks`` over n elements."""
    start = task * n // tasks // SPLIT_ALIGN * SPLIT_ALIGN
    stop = n if task == tasks - 1 else (task + 1) * n // tasks // SPLIT_ALIGN * SPLIT_ALIGN
    return start, stop


@register_jitable(forceinline=True)
def _split_tasks(n):
    return max(1, min(SPLIT_TASKS, n // SPLIT_MIN_TASK))


def split_loop(serial_loop):
    """The parallel form of an element-wise loop ``serial_loop(a_1, ..., a_k, p)`` over equally
    long 1-D arrays: ``prange`` over tasks, each calling ``serial_loop`` on its slices.

    The formulas are compiled once, in the serial loop's own function: inlined into the body of
    numba's parfor instead, the same formulas ran 1.3–1.6× slower per element (sigmoid and
    silu, float32 and float64, n = 1e5 and 1e6, 1 and 2 threads; bench/RESULTS.md, session 6).

    Disk cache: the parallel loop reaches the serial one as the global ``serial``, not as a
    closure variable, because numba's cache key pickles closure variables and a dispatcher
    pickles with a random id (every process would miss); what identifies the serial loop in
    the key is ``tag``: its qualified name, which :func:`_jit` made carry its formulas' names and
    a hash of its closure values.
    """
    tag = f"{_cache_tag(True)}-{serial_loop.py_func.__qualname__}"
    arrays = serial_loop.py_func.__code__.co_argcount - 1
    if arrays == 1:
        def loop(a, p):
            tag  # noqa: B018
            tasks = _split_tasks(a.size)
            for task in prange(tasks):
                start, stop = _split_bounds(task, tasks, a.size)
                serial(a[start:stop], p)  # noqa: F821 -- the global given below
    elif arrays == 2:
        def loop(a, b, p):
            tag  # noqa: B018
            tasks = _split_tasks(a.size)
            for task in prange(tasks):
                start, stop = _split_bounds(task, tasks, a.size)
                serial(a[start:stop], b[start:stop], p)  # noqa: F821
    elif arrays == 3:
        def loop(a, b, c, p):
            tag  # noqa: B018
            tasks = _split_tasks(a.size)
            for task in prange(tasks):
                start, stop = _split_bounds(task, tasks, a.size)
                serial(a[start:stop], b[start:stop], c[start:stop], p)  # noqa: F821
    else:
        raise ValueError(f"split_loop: serial loops over 1 to 3 arrays, not {arrays}")
    loop = types.FunctionType(loop.__code__, {**globals(), "serial": serial_loop}, loop.__name__,
                              None, loop.__closure__)
    return _jit(loop, True)


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
