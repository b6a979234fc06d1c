# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The cython backend's compiled entry points: OpenMP threads around the loops of loops.c.

Every function takes 1-D (softmax: 2-D) C-contiguous float32/float64 arrays of one dtype,
checks that, and splits the work into ``threads`` contiguous chunks run by ``prange``
(serially when ``threads`` is 1, or when the module was built without OpenMP: ``OPENMP``).
The GIL is released while the loops run.
"""

cimport numpy as cnp
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cython.parallel cimport prange, threadid

cnp.import_array()

cdef extern from "numpy/arrayobject.h":
    object PyArray_NewLikeArray(cnp.ndarray prototype, int order, void *descr, int subok)

cdef extern from "loops.h" nogil:
    ctypedef void (*fa_map_f32)(const float *, float *, Py_ssize_t, const float *, int)
    ctypedef void (*fa_map_f64)(const double *, double *, Py_ssize_t, const double *, int)
    ctypedef void (*fa_vjp_f32)(const float *, const float *, float *, Py_ssize_t, const float *, int)
    ctypedef void (*fa_vjp_f64)(const double *, const double *, double *, Py_ssize_t, const double *, int)
    ctypedef double (*fa_psum_f32)(const float *, const float *, Py_ssize_t, const float *, int, int)
    ctypedef double (*fa_psum_f64)(const double *, const double *, Py_ssize_t, const double *, int, int)
    ctypedef struct fa_kernel_set:
        const char *name
        fa_map_f32 map_f32[2]
        fa_map_f64 map_f64[2]
        fa_vjp_f32 vjp_f32[2]
        fa_vjp_f64 vjp_f64[2]
        fa_psum_f32 psum_f32
        fa_psum_f64 psum_f64
    ctypedef void (*fa_row_f32)(const float *, float *, Py_ssize_t)
    ctypedef void (*fa_row_f64)(const double *, double *, Py_ssize_t)
    ctypedef void (*fa_row_vjp_f32)(const float *, const float *, float *, Py_ssize_t)
    ctypedef void (*fa_row_vjp_f64)(const double *, const double *, double *, Py_ssize_t)
    ctypedef void (*fa_vmath_f32)(int, const float *, float *, Py_ssize_t)
    ctypedef void (*fa_vmath_f64)(int, const double *, double *, Py_ssize_t)
    ctypedef struct fa_instruction_set:
        const char *description
        const fa_kernel_set *sets
        fa_row_f32 softmax_row_f32
        fa_row_f64 softmax_row_f64
        fa_row_vjp_f32 softmax_vjp_row_f32
        fa_row_vjp_f64 softmax_vjp_row_f64
        fa_vmath_f32 vmath_f32
        fa_vmath_f64 vmath_f64
    const int fa_kernel_set_count
    const fa_instruction_set *fa_instruction_sets(int i)

cdef extern from *:
    """
    #ifdef _OPENMP
    #define FA_OPENMP 1
    #else
    #define FA_OPENMP 0
    #endif
    """
    const int FA_OPENMP

ctypedef fused real:
    float
    double

#: Whether the module was compiled with OpenMP (otherwise every loop runs serially).
OPENMP = bool(FA_OPENMP)

#: The loops in use: the widest instruction set this CPU runs (see loops.c).
cdef const fa_instruction_set *isa = fa_instruction_sets(0)

#: The instruction sets this CPU runs, widest first.
INSTRUCTION_SETS = []
while fa_instruction_sets(len(INSTRUCTION_SETS)) != NULL:
    INSTRUCTION_SETS.append(fa_instruction_sets(len(INSTRUCTION_SETS)).description.decode())


def instruction_set():
    """The instruction set the loops use, e.g. "x86-64-v3 (AVX2, FMA)"."""
    return isa.description.decode()


def use_instruction_set(str description):
    """Run the loops compiled for ``description`` (one of INSTRUCTION_SETS; for the tests).
    Not thread-safe: call it while no other thread runs fastact."""
    global isa
    isa = fa_instruction_sets(INSTRUCTION_SETS.index(description))


#: Activation name → kernel index, for every activation with C kernels.
KERNELS = {isa.sets[i].name.decode(): i for i in range(fa_kernel_set_count)}
#: Which kernel sets provide vjp_from_y and parameter sums.
FROM_Y = frozenset(isa.sets[i].name.decode() for i in range(fa_kernel_set_count)
                   if isa.sets[i].vjp_f64[1] != NULL)
PARAM_SUMS = frozenset(isa.sets[i].name.decode() for i in range(fa_kernel_set_count)
                       if isa.sets[i].psum_f64 != NULL)

cdef enum:
    STACK_PARAMS = 16  # parameters held without a heap allocation

# --- argument checks ------------------------------------------------------------------------


cdef int _dtype_of(object a, int ndim) except -1:
    """NPY_FLOAT or NPY_DOUBLE for a C-contiguous float array with ``ndim`` dimensions."""
    if not cnp.PyArray_Check(a):
        raise TypeError("expected a numpy array")
    cdef cnp.ndarray arr = <cnp.ndarray>a
    cdef int t = cnp.PyArray_TYPE(arr)
    if t != cnp.NPY_FLOAT and t != cnp.NPY_DOUBLE or not cnp.PyArray_ISNOTSWAPPED(arr):
        raise TypeError("expected native float32 or float64")
    if cnp.PyArray_NDIM(arr) != ndim or not cnp.PyArray_IS_C_CONTIGUOUS(arr):
        raise ValueError(f"expected a C-contiguous {ndim}-D array")
    return t


cdef int _common_dtype(tuple inputs, object out, int ndim) except -1:
    cdef int t = _dtype_of(out, ndim)
    if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>out):
        raise ValueError("out is read-only")
    cdef int d
    for a in inputs:
        if _dtype_of(a, ndim) != t:
            raise ValueError("arrays differ in dtype")
        for d in range(ndim):
            if cnp.PyArray_DIM(<cnp.ndarray>a, d) != cnp.PyArray_DIM(<cnp.ndarray>out, d):
                raise ValueError("arrays differ in shape")
    return t


cdef inline void *_data(object a):
    return cnp.PyArray_DATA(<cnp.ndarray>a)


cdef class _Params:
    """The kernel parameter tuple ``p`` as C arrays of float and double."""

    cdef float f32_stack[STACK_PARAMS]
    cdef double f64_stack[STACK_PARAMS]
    cdef float *f32
    cdef double *f64
    cdef int n

    def __cinit__(self, tuple p):
        cdef int i
        self.n = len(p)
        self.f32, self.f64 = self.f32_stack, self.f64_stack
        if self.n > STACK_PARAMS:
            self.f32 = <float *>PyMem_Malloc(self.n * sizeof(float))
            self.f64 = <double *>PyMem_Malloc(self.n * sizeof(double))
            if self.f32 == NULL or self.f64 == NULL:
                raise MemoryError()
        for i in range(self.n):
            self.f64[i] = p[i]
            self.f32[i] = <float>self.f64[i]

    def __dealloc__(self):
        if self.f32 != self.f32_stack:
            PyMem_Free(self.f32)
            PyMem_Free(self.f64)


cdef const fa_kernel_set *_kernel_set(Py_ssize_t kernel) except NULL:
    if not 0 <= kernel < fa_kernel_set_count:
        raise IndexError(f"no kernel set {kernel}")
    return &isa.sets[kernel]


cdef inline Py_ssize_t _chunk(Py_ssize_t n, int threads) noexcept nogil:
    """Elements per thread: n / threads rounded up to a multiple of 64 (cache lines)."""
    return ((n + threads - 1) // threads + 63) & ~(<Py_ssize_t>63)


# --- element-wise ---------------------------------------------------------------------------


cdef extern from "stream.h" nogil:
    void fa_stream_f32(const float *src, float *dst, Py_ssize_t n)
    void fa_stream_f64(const double *src, double *dst, Py_ssize_t n)
    void fa_stream_fence()

cdef enum:
    STREAM_BLOCK = 1024  # elements computed into a buffer in L1, then streamed to memory
    #: Arrays in all (inputs and output) of at least this many bytes, larger than the 32 MiB
    #: L3 cache of the machines measured, are written with streaming stores (stream.h).
    STREAM_MIN_BYTES = 32 << 20


cdef inline bint _streams(const void *out, const void *a, const void *b, Py_ssize_t n, int arrays,
                          Py_ssize_t itemsize) noexcept nogil:
    """Whether to write ``out`` with streaming stores: out of place, and larger than the cache."""
    return out != a and out != b and n * itemsize * arrays >= STREAM_MIN_BYTES


cdef void _map_chunk(const fa_kernel_set *k, int op, const real *x, real *out, Py_ssize_t n,
                     const real *p, int np, bint stream) noexcept nogil:
    cdef real buffer[STREAM_BLOCK]
    cdef Py_ssize_t s, m
    if not stream:
        if real is float:
            k.map_f32[op](x, out, n, p, np)
        else:
            k.map_f64[op](x, out, n, p, np)
        return
    s = 0
    while s < n:
        m = min(<Py_ssize_t>STREAM_BLOCK, n - s)
        if real is float:
            k.map_f32[op](x + s, buffer, m, p, np)
            fa_stream_f32(buffer, out + s, m)
        else:
            k.map_f64[op](x + s, buffer, m, p, np)
            fa_stream_f64(buffer, out + s, m)
        s += m
    fa_stream_fence()


cdef void _vjp_chunk(const fa_kernel_set *k, int op, const real *g, const real *x, real *out,
                     Py_ssize_t n, const real *p, int np, bint stream) noexcept nogil:
    cdef real buffer[STREAM_BLOCK]
    cdef Py_ssize_t s, m
    if not stream:
        if real is float:
            k.vjp_f32[op](g, x, out, n, p, np)
        else:
            k.vjp_f64[op](g, x, out, n, p, np)
        return
    s = 0
    while s < n:
        m = min(<Py_ssize_t>STREAM_BLOCK, n - s)
        if real is float:
            k.vjp_f32[op](g + s, x + s, buffer, m, p, np)
            fa_stream_f32(buffer, out + s, m)
        else:
            k.vjp_f64[op](g + s, x + s, buffer, m, p, np)
            fa_stream_f64(buffer, out + s, m)
        s += m
    fa_stream_fence()


cdef void _map(const fa_kernel_set *k, int op, const real *x, real *out, Py_ssize_t n,
               const real *p, int np, int threads) noexcept nogil:
    cdef Py_ssize_t c, start, stop, step = _chunk(n, threads)
    cdef bint stream = _streams(out, x, x, n, 2, sizeof(real))
    if threads <= 1:
        _map_chunk(k, op, x, out, n, p, np, stream)
        return
    for c in prange(threads, num_threads=threads, schedule="static"):
        start = c * step
        stop = min(start + step, n)
        if start < stop:
            _map_chunk(k, op, x + start, out + start, stop - start, p, np, stream)


cdef void _vjp(const fa_kernel_set *k, int op, const real *g, const real *x, real *out,
               Py_ssize_t n, const real *p, int np, int threads) noexcept nogil:
    cdef Py_ssize_t c, start, stop, step = _chunk(n, threads)
    cdef bint stream = _streams(out, g, x, n, 3, sizeof(real))
    if threads <= 1:
        _vjp_chunk(k, op, g, x, out, n, p, np, stream)
        return
    for c in prange(threads, num_threads=threads, schedule="static"):
        start = c * step
        stop = min(start + step, n)
        if start < stop:
            _vjp_chunk(k, op, g + start, x + start, out + start, stop - start, p, np, stream)


cdef int _layout_of(object a, int t) except -2:
    """1 (C order) or 2 (Fortran order) for a contiguous native array of dtype ``t``, 3 for one
    that is both (at most one dimension longer than 1), 0 when it is not contiguous."""
    if not cnp.PyArray_Check(a):
        raise TypeError("expected a numpy array")
    cdef cnp.ndarray arr = <cnp.ndarray>a
    if cnp.PyArray_TYPE(arr) != t or not cnp.PyArray_ISNOTSWAPPED(arr):
        raise TypeError("expected native float32 or float64 arrays of one dtype")
    return cnp.PyArray_IS_C_CONTIGUOUS(arr) | (cnp.PyArray_IS_F_CONTIGUOUS(arr) << 1)


cdef object _output_like(object first, tuple inputs, object out):
    """``out`` (checked), or a new array laid out like ``first``; None when the operands are
    not all contiguous in one memory order, so that element i of each is at the same offset."""
    cdef int t = cnp.PyArray_TYPE(<cnp.ndarray>first) if cnp.PyArray_Check(first) else -1
    if t != cnp.NPY_FLOAT and t != cnp.NPY_DOUBLE:
        raise TypeError("expected native float32 or float64 arrays")
    cdef int order = 3
    cdef int d
    cdef cnp.ndarray arr
    for a in inputs:
        order &= _layout_of(a, t)
        arr = <cnp.ndarray>a
        if not cnp.PyArray_SAMESHAPE(arr, <cnp.ndarray>first):
            raise ValueError("arrays differ in shape")
    if order == 0:
        return None
    if out is None:
        return PyArray_NewLikeArray(<cnp.ndarray>first, cnp.NPY_KEEPORDER, NULL, 0)
    if not order & _layout_of(out, t):
        return None
    if not cnp.PyArray_SAMESHAPE(<cnp.ndarray>out, <cnp.ndarray>first):
        raise ValueError("out differs in shape")
    if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>out):
        raise ValueError("out is read-only")
    return out


def map_elements(Py_ssize_t kernel, int op, x, out, tuple p, int threads):
    """out = f(x) (op 0) or f'(x) (op 1) with kernel set ``kernel`` and parameters ``p``.

    The arrays may have any shape but must be contiguous in the same order (``out`` may be
    ``x``); ``out`` None allocates it like ``x``. Returns ``out``, or None when the layouts
    do not allow one pass over flat memory (nothing is written then).
    """
    cdef const fa_kernel_set *k = _kernel_set(kernel)
    if not 0 <= op <= 1:
        raise ValueError(f"map: op must be 0 or 1, got {op}")
    out = _output_like(x, (x,), out)
    if out is None:
        return None
    cdef _Params params = _Params(p)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>out)
    cdef void *px = _data(x)
    cdef void *pout = _data(out)
    if cnp.PyArray_TYPE(<cnp.ndarray>out) == cnp.NPY_FLOAT:
        with nogil:
            _map(k, op, <const float *>px, <float *>pout, n, params.f32, params.n, threads)
    else:
        with nogil:
            _map(k, op, <const double *>px, <double *>pout, n, params.f64, params.n, threads)
    return out


def vjp_elements(Py_ssize_t kernel, int op, g, x, out, tuple p, int threads):
    """out = g·f'(x) (op 0), or g·f'(x) from y = f(x) passed as ``x`` (op 1); layouts and the
    result as for :func:`map_elements` (``out`` may be ``g``; None allocates it like ``g``)."""
    cdef const fa_kernel_set *k = _kernel_set(kernel)
    if not 0 <= op <= 1 or k.vjp_f64[op] == NULL:
        raise ValueError(f"vjp: kernel set {k.name.decode()} has no op {op}")
    out = _output_like(g, (g, x), out)
    if out is None:
        return None
    cdef _Params params = _Params(p)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>out)
    cdef void *pg = _data(g)
    cdef void *px = _data(x)
    cdef void *pout = _data(out)
    if cnp.PyArray_TYPE(<cnp.ndarray>out) == cnp.NPY_FLOAT:
        with nogil:
            _vjp(k, op, <const float *>pg, <const float *>px, <float *>pout, n, params.f32, params.n, threads)
    else:
        with nogil:
            _vjp(k, op, <const double *>pg, <const double *>px, <double *>pout, n, params.f64, params.n,
                 threads)
    return out


# --- parameter-gradient block sums ----------------------------------------------------------


cdef void _param_sums(const fa_kernel_set *k, const real *g, const real *x, Py_ssize_t n,
                      const real *p, int np, int first, double *partial, Py_ssize_t blocks,
                      Py_ssize_t width, Py_ssize_t block, int threads) noexcept nogil:
    cdef Py_ssize_t b, j, start, stop
    for b in prange(blocks, num_threads=threads, schedule="static"):
        start = b * block
        stop = min(start + block, n)
        for j in range(width):
            if real is float:
                partial[b * width + j] = k.psum_f32(g + start, x + start, stop - start, p, np, first + j)
            else:
                partial[b * width + j] = k.psum_f64(g + start, x + start, stop - start, p, np, first + j)


def param_sums(Py_ssize_t kernel, g, x, tuple p, int first, partial, Py_ssize_t block, int threads):
    """partial[b, j] = Σ over block b (``block`` elements) of g·∂f/∂p[first + j], compensated."""
    cdef const fa_kernel_set *k = _kernel_set(kernel)
    cdef int t = _common_dtype((g,), x, 1)
    cdef _Params params = _Params(p)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>x)
    if k.psum_f64 == NULL:
        raise ValueError(f"param_sums: {k.name.decode()} has no learnable parameters")
    if _dtype_of(partial, 2) != cnp.NPY_DOUBLE or not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>partial):
        raise TypeError("param_sums: partial must be a writable float64 array")
    cdef Py_ssize_t blocks = partial.shape[0], width = partial.shape[1]
    if block <= 0 or blocks != (n + block - 1) // block or not 0 <= first <= params.n - width:
        raise ValueError("param_sums: partial does not match the blocks or the parameters")
    if blocks < 2:
        threads = 1
    cdef void *pg = _data(g)
    cdef void *px = _data(x)
    cdef double *ppartial = <double *>_data(partial)
    if t == cnp.NPY_FLOAT:
        with nogil:
            _param_sums(k, <const float *>pg, <const float *>px, n, params.f32, params.n, first,
                        ppartial, blocks, width, block, threads)
    else:
        with nogil:
            _param_sums(k, <const double *>pg, <const double *>px, n, params.f64, params.n, first,
                        ppartial, blocks, width, block, threads)


# --- softmax rows ---------------------------------------------------------------------------


cdef void _softmax(const real *x, real *out, Py_ssize_t rows, Py_ssize_t n, int threads) noexcept nogil:
    cdef Py_ssize_t r
    for r in prange(rows, num_threads=threads, schedule="static"):
        if real is float:
            isa.softmax_row_f32(x + r * n, out + r * n, n)
        else:
            isa.softmax_row_f64(x + r * n, out + r * n, n)


cdef void _softmax_vjp(const real *g, const real *y, real *out, Py_ssize_t rows, Py_ssize_t n,
                       int threads) noexcept nogil:
    cdef Py_ssize_t r
    for r in prange(rows, num_threads=threads, schedule="static"):
        if real is float:
            isa.softmax_vjp_row_f32(g + r * n, y + r * n, out + r * n, n)
        else:
            isa.softmax_vjp_row_f64(g + r * n, y + r * n, out + r * n, n)


def softmax(x, out, int threads):
    """Softmax of every row of the 2-D arrays ``x`` into ``out`` (which may be ``x``)."""
    cdef int t = _common_dtype((x,), out, 2)
    cdef Py_ssize_t rows = out.shape[0], n = out.shape[1]
    if n == 0 or rows < 2:
        threads = 1
    if n == 0:
        return
    cdef void *px = _data(x)
    cdef void *pout = _data(out)
    if t == cnp.NPY_FLOAT:
        with nogil:
            _softmax(<const float *>px, <float *>pout, rows, n, threads)
    else:
        with nogil:
            _softmax(<const double *>px, <double *>pout, rows, n, threads)


def softmax_vjp(g, y, out, int threads):
    """Row-wise out = y ⊙ (g − Σ g·y) of 2-D arrays (``out`` may be ``g``)."""
    cdef int t = _common_dtype((g, y), out, 2)
    cdef Py_ssize_t rows = out.shape[0], n = out.shape[1]
    if n == 0 or rows < 2:
        threads = 1
    if n == 0:
        return
    cdef void *pg = _data(g)
    cdef void *py = _data(y)
    cdef void *pout = _data(out)
    if t == cnp.NPY_FLOAT:
        with nogil:
            _softmax_vjp(<const float *>pg, <const float *>py, <float *>pout, rows, n, threads)
    else:
        with nogil:
            _softmax_vjp(<const double *>pg, <const double *>py, <double *>pout, rows, n, threads)


# --- diagnostics ----------------------------------------------------------------------------


def vmath(int op, x, out):
    """out = exp(x) (op 0), expm1(x) (op 1), tanh(x) (op 2) or log1p(x) (op 3) with vmath.h
    (for the tests)."""
    cdef int t = _common_dtype((x,), out, 1)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>out)
    if not 0 <= op <= 3:
        raise ValueError(f"vmath: op must be 0, 1, 2 or 3, got {op}")
    if t == cnp.NPY_FLOAT:
        isa.vmath_f32(op, <const float *>_data(x), <float *>_data(out), n)
    else:
        isa.vmath_f64(op, <const double *>_data(x), <double *>_data(out), n)


def team_size(int threads):
    """How many distinct threads run a ``prange`` of ``threads`` iterations on ``threads`` threads:
    ``threads`` with OpenMP, 1 without."""
    cdef int seen[256]
    cdef int i, count = 0
    threads = max(1, min(threads, 256))
    for i in range(threads):
        seen[i] = 0
    with nogil:
        for i in prange(threads, num_threads=threads, schedule="static"):
            seen[threadid()] = 1
    for i in range(threads):
        count += seen[i]
    return count
