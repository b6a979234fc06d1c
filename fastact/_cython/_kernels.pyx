# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The cython backend's compiled entry points: OpenMP threads around the loops of loops.c.

Every function takes C-contiguous float32/float64 arrays of one dtype (1-D; 2-D rows for the
row-wise functions), checks that, and runs the loops over blocks of the array with ``prange``
(serially when ``threads`` is 1, or when the module was built without OpenMP: ``OPENMP``).
Element-wise work is cut into ``threads`` chunks; sums are taken over fixed blocks, one row of
``partial`` each, so that they do not depend on the thread count. The GIL is released while
the loops run.
"""

cimport numpy as cnp
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.string cimport memset
from cython.parallel cimport prange, threadid

cnp.import_array()

cdef extern from "numpy/arrayobject.h":
    object PyArray_NewLikeArray(cnp.ndarray prototype, int order, void *descr, int subok)

cdef extern from "stream.h" nogil:
    void fa_stream_f32(const float *src, float *dst, Py_ssize_t n)
    void fa_stream_f64(const double *src, double *dst, Py_ssize_t n)
    void fa_stream_fence()

cdef extern from "loops.h" nogil:
    ctypedef void (*fa_map_f32)(const float *, float *, Py_ssize_t, const float *, int)
    ctypedef void (*fa_map_f64)(const double *, double *, Py_ssize_t, const double *, int)
    ctypedef void (*fa_vjp_f32)(const float *, const float *, float *, Py_ssize_t, const float *, int)
    ctypedef void (*fa_vjp_f64)(const double *, const double *, double *, Py_ssize_t, const double *, int)
    ctypedef void (*fa_psum_f32)(const float *, const float *, Py_ssize_t, const float *, int, int, double *)
    ctypedef void (*fa_psum_f64)(const double *, const double *, Py_ssize_t, const double *, int, int, double *)
    ctypedef struct fa_kernel_set:
        const char *name
        fa_map_f32 map_f32[2]
        fa_map_f64 map_f64[2]
        fa_vjp_f32 vjp_f32[2]
        fa_vjp_f64 vjp_f64[2]
        fa_psum_f32 psum_f32
        fa_psum_f64 psum_f64
    ctypedef void (*fa_bias_map_f32)(const fa_kernel_set *, const float *, const float *, float *, Py_ssize_t,
                                     Py_ssize_t, Py_ssize_t, Py_ssize_t, const float *, int, int)
    ctypedef void (*fa_bias_map_f64)(const fa_kernel_set *, const double *, const double *, double *, Py_ssize_t,
                                     Py_ssize_t, Py_ssize_t, Py_ssize_t, const double *, int, int)
    ctypedef void (*fa_bias_vjp_f32)(const fa_kernel_set *, const float *, const float *, const float *, float *,
                                     Py_ssize_t, Py_ssize_t, Py_ssize_t, Py_ssize_t, const float *, int, double *,
                                     int)
    ctypedef void (*fa_bias_vjp_f64)(const fa_kernel_set *, const double *, const double *, const double *,
                                     double *, Py_ssize_t, Py_ssize_t, Py_ssize_t, Py_ssize_t, const double *, int,
                                     double *, int)
    ctypedef void (*fa_bias_psum_f32)(const fa_kernel_set *, const float *, const float *, const float *,
                                      Py_ssize_t, Py_ssize_t, Py_ssize_t, Py_ssize_t, const float *, int, int,
                                      double *)
    ctypedef void (*fa_bias_psum_f64)(const fa_kernel_set *, const double *, const double *, const double *,
                                      Py_ssize_t, Py_ssize_t, Py_ssize_t, Py_ssize_t, const double *, int, int,
                                      double *)
    ctypedef void (*fa_row_f32)(const float *, float *, Py_ssize_t)
    ctypedef void (*fa_row_f64)(const double *, double *, Py_ssize_t)
    ctypedef void (*fa_row_vjp_f32)(const float *, const float *, float *, Py_ssize_t)
    ctypedef void (*fa_row_vjp_f64)(const double *, const double *, double *, Py_ssize_t)
    ctypedef void (*fa_prelu_f32)(int, const float *, const float *, const float *, float *, Py_ssize_t,
                                  Py_ssize_t, Py_ssize_t, Py_ssize_t)
    ctypedef void (*fa_prelu_f64)(int, const double *, const double *, const double *, double *, Py_ssize_t,
                                  Py_ssize_t, Py_ssize_t, Py_ssize_t)
    ctypedef void (*fa_prelu_weight_f32)(const float *, const float *, Py_ssize_t, Py_ssize_t, Py_ssize_t,
                                         Py_ssize_t, double *)
    ctypedef void (*fa_prelu_weight_f64)(const double *, const double *, Py_ssize_t, Py_ssize_t, Py_ssize_t,
                                         Py_ssize_t, double *)
    ctypedef void (*fa_vmath_f32)(int, const float *, float *, Py_ssize_t)
    ctypedef void (*fa_vmath_f64)(int, const double *, double *, Py_ssize_t)
    enum: FA_ROW_KINDS
    ctypedef struct fa_instruction_set:
        const char *description
        const fa_kernel_set *sets
        fa_row_f32 row_f32[3]
        fa_row_f64 row_f64[3]
        fa_row_vjp_f32 row_vjp_f32[3]
        fa_row_vjp_f64 row_vjp_f64[3]
        fa_bias_map_f32 bias_map_f32
        fa_bias_map_f64 bias_map_f64
        fa_bias_vjp_f32 bias_vjp_f32
        fa_bias_vjp_f64 bias_vjp_f64
        fa_bias_psum_f32 bias_psum_f32
        fa_bias_psum_f64 bias_psum_f64
        fa_prelu_f32 prelu_f32
        fa_prelu_f64 prelu_f64
        fa_prelu_weight_f32 prelu_weight_f32
        fa_prelu_weight_f64 prelu_weight_f64
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


#: Kernel set name → index: one per activation (gelu: per form, "gelu" and "gelu_tanh").
KERNELS = {isa.sets[i].name.decode(): i for i in range(fa_kernel_set_count)}
#: Which kernel sets provide vjp_from_y and parameter sums.
FROM_Y = frozenset(isa.sets[i].name.decode() for i in range(fa_kernel_set_count)
                   if isa.sets[i].vjp_f64[1] != NULL)
PARAM_SUMS = frozenset(isa.sets[i].name.decode() for i in range(fa_kernel_set_count)
                       if isa.sets[i].psum_f64 != NULL)
#: The row-wise functions of :func:`rows` and :func:`rows_vjp`, in loops.h's order.
ROWS = ("softmax", "log_softmax", "softmin")
assert len(ROWS) == FA_ROW_KINDS

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


cdef Py_ssize_t _coefficients(object a, int t, str what) except -1:
    """The size of a non-empty 1-D array of coefficients (θ, slopes) of dtype ``t``."""
    if _dtype_of(a, 1) != t:
        raise ValueError(f"{what} differs in dtype")
    cdef Py_ssize_t size = cnp.PyArray_SIZE(<cnp.ndarray>a)
    if size == 0:
        raise ValueError(f"{what} is empty")
    return size


cdef double *_partial(object a, Py_ssize_t rows, Py_ssize_t width) except NULL:
    """The data of a writable C-contiguous float64 array of shape (rows, width)."""
    if _dtype_of(a, 2) != cnp.NPY_DOUBLE or not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>a):
        raise TypeError("partial sums need a writable float64 array")
    if a.shape[0] != rows or a.shape[1] != width:
        raise ValueError(f"partial sums: expected shape ({rows}, {width}), got {a.shape}")
    return <double *>_data(a)


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


# --- jobs: one loop over blocks of an array -------------------------------------------------


cdef enum _Kind:
    J_MAP, J_VJP, J_PARAM_SUMS, J_BIAS_MAP, J_BIAS_VJP, J_PRELU, J_PRELU_WEIGHT, J_ROWS, J_ROWS_VJP


cdef struct _Job:
    _Kind kind
    int f64               # the arrays are double (else float)
    int stream            # J_MAP/J_VJP/J_BIAS_*: write ``out`` with streaming stores (stream.h)
    int op                # map/vjp op, PReLU op, row kind
    const fa_kernel_set *k
    const void *g         # the gradient (where the job has one)
    const void *x         # x, u or y
    const void *coef      # θ or the PReLU slopes
    void *out
    const void *p         # the activation's parameters, in the arrays' type
    int np
    int first             # J_PARAM_SUMS: the first parameter; partial has ``width`` of them
    Py_ssize_t n          # elements (J_ROWS*: the row length)
    Py_ssize_t channels
    Py_ssize_t inner
    Py_ssize_t width      # entries of ``partial`` per block
    double *partial


cdef enum:
    STREAM_BLOCK = 1024  # elements computed into a buffer in L1, then streamed to memory
    #: Arrays in all (inputs and output) of at least this many bytes, larger than the 32 MiB
    #: L3 cache of the machines measured, are written with streaming stores (stream.h).
    STREAM_MIN_BYTES = 32 << 20


cdef inline int _streams(const _Job *j, Py_ssize_t operand_bytes) noexcept:
    """Whether job ``j`` writes its output with streaming stores: the output is a separate array
    and its operands (``operand_bytes`` in all) exceed ``STREAM_MIN_BYTES``."""
    return j.out != j.x and j.out != j.g and operand_bytes >= STREAM_MIN_BYTES


cdef void _streamed_block(const _Job *j, Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    """J_MAP or J_VJP over [start, stop), computed into a buffer in L1 block by block and written
    to ``out`` with streaming stores: no write-allocate reads of ``out``'s cache lines."""
    cdef double buffer[STREAM_BLOCK]
    cdef Py_ssize_t s = start, m
    while s < stop:
        m = min(<Py_ssize_t>STREAM_BLOCK, stop - s)
        if j.kind == J_MAP and j.f64:
            j.k.map_f64[j.op](<const double *>j.x + s, buffer, m, <const double *>j.p, j.np)
        elif j.kind == J_MAP:
            j.k.map_f32[j.op](<const float *>j.x + s, <float *>buffer, m, <const float *>j.p, j.np)
        elif j.f64:
            j.k.vjp_f64[j.op](<const double *>j.g + s, <const double *>j.x + s, buffer, m,
                              <const double *>j.p, j.np)
        else:
            j.k.vjp_f32[j.op](<const float *>j.g + s, <const float *>j.x + s, <float *>buffer, m,
                              <const float *>j.p, j.np)
        if j.f64:
            fa_stream_f64(buffer, <double *>j.out + s, m)
        else:
            fa_stream_f32(<float *>buffer, <float *>j.out + s, m)
        s += m
    fa_stream_fence()


cdef void _block(const _Job *j, Py_ssize_t b, Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    """Job ``j`` over its elements (rows, for J_ROWS*) [start, stop), which are block ``b``."""
    cdef Py_ssize_t q, r, n = j.n
    cdef double *partial = j.partial + b * j.width
    cdef double sum[2]
    if (j.kind == J_MAP or j.kind == J_VJP) and j.stream:
        _streamed_block(j, start, stop)
    elif j.kind == J_MAP:
        if j.f64:
            j.k.map_f64[j.op](<const double *>j.x + start, <double *>j.out + start, stop - start,
                              <const double *>j.p, j.np)
        else:
            j.k.map_f32[j.op](<const float *>j.x + start, <float *>j.out + start, stop - start,
                              <const float *>j.p, j.np)
    elif j.kind == J_VJP:
        if j.f64:
            j.k.vjp_f64[j.op](<const double *>j.g + start, <const double *>j.x + start, <double *>j.out + start,
                              stop - start, <const double *>j.p, j.np)
        else:
            j.k.vjp_f32[j.op](<const float *>j.g + start, <const float *>j.x + start, <float *>j.out + start,
                              stop - start, <const float *>j.p, j.np)
    elif j.kind == J_PARAM_SUMS:
        for q in range(j.width):
            sum[0] = sum[1] = 0
            if j.coef == NULL and j.f64:
                j.k.psum_f64(<const double *>j.g + start, <const double *>j.x + start, stop - start,
                             <const double *>j.p, j.np, j.first + q, sum)
            elif j.coef == NULL:
                j.k.psum_f32(<const float *>j.g + start, <const float *>j.x + start, stop - start,
                             <const float *>j.p, j.np, j.first + q, sum)
            elif j.f64:
                isa.bias_psum_f64(j.k, <const double *>j.g, <const double *>j.x, <const double *>j.coef, start,
                                  stop, j.channels, j.inner, <const double *>j.p, j.np, j.first + q, sum)
            else:
                isa.bias_psum_f32(j.k, <const float *>j.g, <const float *>j.x, <const float *>j.coef, start,
                                  stop, j.channels, j.inner, <const float *>j.p, j.np, j.first + q, sum)
            partial[q] = sum[0] + sum[1]
    elif j.kind == J_BIAS_MAP:
        if j.f64:
            isa.bias_map_f64(j.k, <const double *>j.x, <const double *>j.coef, <double *>j.out, start, stop,
                             j.channels, j.inner, <const double *>j.p, j.np, j.stream)
        else:
            isa.bias_map_f32(j.k, <const float *>j.x, <const float *>j.coef, <float *>j.out, start, stop,
                             j.channels, j.inner, <const float *>j.p, j.np, j.stream)
    elif j.kind == J_BIAS_VJP:
        if j.f64:
            isa.bias_vjp_f64(j.k, <const double *>j.g, <const double *>j.x, <const double *>j.coef,
                             <double *>j.out, start, stop, j.channels, j.inner, <const double *>j.p, j.np, partial,
                             j.stream)
        else:
            isa.bias_vjp_f32(j.k, <const float *>j.g, <const float *>j.x, <const float *>j.coef,
                             <float *>j.out, start, stop, j.channels, j.inner, <const float *>j.p, j.np, partial,
                             j.stream)
    elif j.kind == J_PRELU:
        if j.f64:
            isa.prelu_f64(j.op, <const double *>j.g, <const double *>j.x, <const double *>j.coef,
                          <double *>j.out, start, stop, j.channels, j.inner)
        else:
            isa.prelu_f32(j.op, <const float *>j.g, <const float *>j.x, <const float *>j.coef,
                          <float *>j.out, start, stop, j.channels, j.inner)
    elif j.kind == J_PRELU_WEIGHT:
        if j.f64:
            isa.prelu_weight_f64(<const double *>j.g, <const double *>j.x, start, stop, j.channels, j.inner,
                                 partial)
        else:
            isa.prelu_weight_f32(<const float *>j.g, <const float *>j.x, start, stop, j.channels, j.inner,
                                 partial)
    elif j.kind == J_ROWS:
        for r in range(start, stop):
            if j.f64:
                isa.row_f64[j.op](<const double *>j.x + r * n, <double *>j.out + r * n, n)
            else:
                isa.row_f32[j.op](<const float *>j.x + r * n, <float *>j.out + r * n, n)
    else:
        for r in range(start, stop):
            if j.f64:
                isa.row_vjp_f64[j.op](<const double *>j.g + r * n, <const double *>j.x + r * n,
                                      <double *>j.out + r * n, n)
            else:
                isa.row_vjp_f32[j.op](<const float *>j.g + r * n, <const float *>j.x + r * n,
                                      <float *>j.out + r * n, n)


cdef void _blocks(const _Job *j, Py_ssize_t total, Py_ssize_t step, int threads) noexcept nogil:
    """Job ``j`` over [0, total) in blocks of ``step``, on up to ``threads`` threads."""
    cdef Py_ssize_t b, blocks = (total + step - 1) // step
    if threads <= 1 or blocks < 2:
        for b in range(blocks):
            _block(j, b, b * step, min(b * step + step, total))
        return
    for b in prange(blocks, num_threads=threads, schedule="static"):
        _block(j, b, b * step, min(b * step + step, total))


cdef void _run(_Job *j, int t, _Params params, Py_ssize_t total, Py_ssize_t step, int threads):
    """Fill in the type and parameters of ``j`` and run it without the GIL."""
    j.f64 = t == cnp.NPY_DOUBLE
    if params is not None:
        j.p = <const void *>params.f64 if j.f64 else <const void *>params.f32
        j.np = params.n
    if total == 0:
        return
    with nogil:
        _blocks(j, total, step, threads)


cdef _Job _job(_Kind kind, int op, g, x, coef, out):
    cdef _Job j
    memset(&j, 0, sizeof(j))
    j.kind, j.op = kind, op
    j.g = _data(g) if g is not None else NULL
    j.x = _data(x)
    j.coef = _data(coef) if coef is not None else NULL
    j.out = _data(out) if out is not None else NULL
    return j


# --- element-wise ---------------------------------------------------------------------------


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
    for a in inputs:
        order &= _layout_of(a, t)
        if not cnp.PyArray_SAMESHAPE(<cnp.ndarray>a, <cnp.ndarray>first):
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


cdef object _elementwise(_Kind kind, Py_ssize_t kernel, int op, g, x, out, tuple p, int threads):
    """J_MAP (g None) or J_VJP over operands of any shape contiguous in one memory order: ``out``,
    a new array when it is None, or None when the layouts do not allow one flat pass."""
    cdef _Job j
    out = _output_like(x if g is None else g, (x,) if g is None else (g, x), out)
    if out is None:
        return None
    j = _job(kind, op, g, x, None, out)
    j.k = _kernel_set(kernel)
    if kind == J_VJP and j.k.vjp_f64[op] == NULL:
        raise ValueError(f"vjp: kernel set {j.k.name.decode()} has no op {op}")
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>out)
    j.stream = _streams(&j, n * cnp.PyArray_ITEMSIZE(<cnp.ndarray>out) * (2 if g is None else 3))
    _run(&j, cnp.PyArray_TYPE(<cnp.ndarray>out), _Params(p), n, _chunk(n, threads), threads)
    return out


def map_elements(Py_ssize_t kernel, int op, x, out, tuple p, int threads):
    """out = f(x) (op 0) or f'(x) (op 1) with kernel set ``kernel`` and parameters ``p``.

    The arrays may have any shape but must be contiguous in the same order (``out`` may be
    ``x``); ``out`` None allocates it like ``x``. Returns ``out``, or None when the layouts
    do not allow one pass over flat memory (nothing is written then). Outputs of passes over
    more than ``STREAM_MIN_BYTES`` are written with streaming stores.
    """
    if not 0 <= op <= 1:
        raise ValueError(f"map: op must be 0 or 1, got {op}")
    return _elementwise(J_MAP, kernel, op, None, x, out, p, threads)


def vjp_elements(Py_ssize_t kernel, int op, g, x, out, tuple p, int threads):
    """out = g·f'(x) (op 0), or g·f'(x) from y = f(x) passed as ``x`` (op 1); layouts and the
    result as for :func:`map_elements` (``out`` may be ``g``; None allocates it like ``g``)."""
    if not 0 <= op <= 1:
        raise ValueError(f"vjp: op must be 0 or 1, got {op}")
    return _elementwise(J_VJP, kernel, op, g, x, out, p, threads)


# --- parameter-gradient block sums and the fused neuron f(u − θ) -----------------------------


cdef Py_ssize_t _channels(u, theta, Py_ssize_t inner, int t) except -1:
    """The number of channels C of a 1-D u that holds an (outer, C, inner) array, θ of C entries."""
    cdef Py_ssize_t channels = _coefficients(theta, t, "theta")
    if inner <= 0 or cnp.PyArray_SIZE(<cnp.ndarray>u) % (channels * inner):
        raise ValueError(f"u does not hold (outer, {channels}, {inner}) elements")
    return channels


def param_sums(Py_ssize_t kernel, g, u, theta, tuple p, Py_ssize_t inner, int first, partial, Py_ssize_t block,
               int threads):
    """partial[b, j] = Σ over block b (``block`` elements) of g·∂f/∂p[first + j] at x = u − θ[c],
    compensated (u holds (outer, C, inner) elements; ``theta`` None: x = u)."""
    cdef int t = _common_dtype((g,), u, 1)
    cdef _Job j = _job(J_PARAM_SUMS, 0, g, u, theta, None)
    cdef _Params params = _Params(p)
    j.k = _kernel_set(kernel)
    if j.k.psum_f64 == NULL:
        raise ValueError(f"param_sums: {j.k.name.decode()} has no learnable parameters")
    if theta is not None:
        j.channels, j.inner = _channels(u, theta, inner, t), inner
    if block <= 0:
        raise ValueError("param_sums: block must be positive")
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>u)
    j.width = partial.shape[1] if cnp.PyArray_NDIM(<cnp.ndarray>partial) == 2 else 0
    j.partial = _partial(partial, (n + block - 1) // block, j.width)
    if not 0 <= first <= params.n - j.width:
        raise ValueError("param_sums: partial does not match the parameters")
    j.first = first
    _run(&j, t, params, n, block, threads)


def bias_map(Py_ssize_t kernel, u, theta, out, tuple p, Py_ssize_t inner, int threads):
    """out = f(u − θ[c]) for 1-D u and out holding (outer, C, inner) elements, θ of C entries."""
    cdef int t = _common_dtype((u,), out, 1)
    cdef _Job j = _job(J_BIAS_MAP, 0, None, u, theta, out)
    j.k = _kernel_set(kernel)
    j.channels, j.inner = _channels(u, theta, inner, t), inner
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>out)
    j.stream = _streams(&j, n * cnp.PyArray_ITEMSIZE(<cnp.ndarray>out) * 2)
    _run(&j, t, _Params(p), n, _chunk(n, threads), threads)


def bias_vjp(Py_ssize_t kernel, g, u, theta, du, tuple p, Py_ssize_t inner, Py_ssize_t block, dtheta_partial,
             int threads):
    """du = g·f'(u − θ[c]) as in :func:`bias_map`, and dtheta_partial[b, c] = −Σ du over the
    elements of channel c in block b (``block`` elements, a multiple of C·inner)."""
    cdef int t = _common_dtype((g, u), du, 1)
    cdef _Job j = _job(J_BIAS_VJP, 0, g, u, theta, du)
    j.k = _kernel_set(kernel)
    j.channels, j.inner = _channels(u, theta, inner, t), inner
    if block <= 0 or block % (j.channels * inner):
        raise ValueError("bias_vjp: a block must hold whole (C, inner) rows")
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>du)
    j.width = j.channels
    j.partial = _partial(dtheta_partial, (n + block - 1) // block, j.channels)
    j.stream = _streams(&j, n * cnp.PyArray_ITEMSIZE(<cnp.ndarray>du) * 3)
    _run(&j, t, _Params(p), n, block, threads)


# --- PReLU ----------------------------------------------------------------------------------


def prelu(int op, g, x, w, Py_ssize_t inner, out, int threads):
    """PReLU of 1-D arrays, element i in channel (i // inner) % w.size: out = f(x) (op 0), f'(x)
    (op 1) or g·f'(x) (op 2; ``g`` None otherwise)."""
    cdef int t = _common_dtype((x,) if g is None else (g, x), out, 1)
    if not 0 <= op <= 2 or (g is None) != (op < 2):
        raise ValueError(f"prelu: op {op} with{'out' if g is None else ''} g")
    cdef _Job j = _job(J_PRELU, op, x if g is None else g, x, w, out)
    j.channels, j.inner = _coefficients(w, t, "w"), max(inner, 1)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>out)
    _run(&j, t, None, n, _chunk(n, threads), threads)


def prelu_weight_sums(g, x, w, Py_ssize_t inner, partial, Py_ssize_t block, int threads):
    """partial[b, c] + partial[b, C + c] = Σ g·x over the elements x ≤ 0 of channel c in block b
    (``block`` elements): a running sum and its compensation."""
    cdef int t = _common_dtype((g,), x, 1)
    cdef _Job j = _job(J_PRELU_WEIGHT, 0, g, x, w, None)
    j.channels, j.inner = _coefficients(w, t, "w"), max(inner, 1)
    if block <= 0:
        raise ValueError("prelu_weight_sums: block must be positive")
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>x)
    j.width = 2 * j.channels
    j.partial = _partial(partial, (n + block - 1) // block, j.width)
    _run(&j, t, None, n, block, threads)


# --- rows: softmax, log_softmax, softmin ----------------------------------------------------


def rows(int kind, x, out, int threads):
    """ROWS[kind] of every row of the 2-D arrays ``x`` into ``out`` (which may be ``x``)."""
    cdef int t = _common_dtype((x,), out, 2)
    if not 0 <= kind < FA_ROW_KINDS:
        raise ValueError(f"rows: no kind {kind}")
    cdef _Job j = _job(J_ROWS, kind, None, x, None, out)
    j.n = out.shape[1]
    _run(&j, t, None, out.shape[0] if j.n else 0, 1, threads)


def rows_vjp(int kind, g, y, out, int threads):
    """The backward pass of ROWS[kind] from its output ``y``, row by row (``out`` may be ``g``):
    softmax y ⊙ (g − Σ g·y), log_softmax g − e^y·Σ g, softmin −y ⊙ (g − Σ g·y)."""
    cdef int t = _common_dtype((g, y), out, 2)
    if not 0 <= kind < FA_ROW_KINDS:
        raise ValueError(f"rows_vjp: no kind {kind}")
    cdef _Job j = _job(J_ROWS_VJP, kind, g, y, None, out)
    j.n = out.shape[1]
    _run(&j, t, None, out.shape[0] if j.n else 0, 1, threads)


# --- diagnostics ----------------------------------------------------------------------------


def vmath(int op, x, out):
    """out = exp(x) (op 0), expm1(x) (op 1), tanh(x) (op 2) or log1p(x) for x in [0, 1] (op 3,
    softplus's log1p) with vmath.h (for the tests)."""
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
