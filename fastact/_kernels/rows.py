"""Reductions along one row, written so that LLVM vectorizes them without fast-math.

A strict left-to-right floating-point reduction cannot be vectorized unless the compiler may
reassociate, and fast-math reassociation would also undo the error-free transformations of
:mod:`fastact._kernels.exact`. These helpers keep eight independent partial results (one per
SIMD lane, the order fixed, so results are deterministic), which the SLP vectorizer packs into
vector registers; sums are in float64, in blocks of ``BLOCK`` elements whose totals are added
with Neumaier compensation, so a row of 10^5 elements keeps an error of a few ulp.
"""

from numba.extending import register_jitable

jitable = register_jitable(forceinline=True)

BLOCK = 256
#: Rows shorter than this are reduced in one sequential pass: setting up and combining eight
#: lanes costs more than it saves (softmax_backward over rows of 10).
SHORT_ROW = 16


@jitable
def _larger(a, m):
    """max(a, m) that keeps a NaN once seen (in a or in the running m)."""
    return a if (a > m or a != a) else m


@jitable
def row_max(v):
    """Maximum of a non-empty 1-D array, NaN if any element is NaN."""
    n = v.size
    if n < SHORT_ROW:
        m = v[0]
        for i in range(1, n):
            m = _larger(v[i], m)
        return m
    m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = v[0]
    i = 0
    while i + 8 <= n:
        m0 = _larger(v[i], m0)
        m1 = _larger(v[i + 1], m1)
        m2 = _larger(v[i + 2], m2)
        m3 = _larger(v[i + 3], m3)
        m4 = _larger(v[i + 4], m4)
        m5 = _larger(v[i + 5], m5)
        m6 = _larger(v[i + 6], m6)
        m7 = _larger(v[i + 7], m7)
        i += 8
    while i < n:
        m0 = _larger(v[i], m0)
        i += 1
    return _larger(_larger(_larger(m0, m1), _larger(m2, m3)), _larger(_larger(m4, m5), _larger(m6, m7)))


@jitable
def _block_sum(a, b, start, stop):
    """Σ a[i]·b[i] (or Σ a[i] when b is None) over [start, stop), in float64, 8 lanes. The block
    is sliced out and indexed from 0: indices offset by ``start`` kept LLVM from vectorizing
    (1.0 → 0.36 ns/element for a float32 dot product)."""
    x = a[start:stop]
    n = x.size
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    i = 0
    if b is None:
        while i + 8 <= n:
            s0 += x[i]
            s1 += x[i + 1]
            s2 += x[i + 2]
            s3 += x[i + 3]
            s4 += x[i + 4]
            s5 += x[i + 5]
            s6 += x[i + 6]
            s7 += x[i + 7]
            i += 8
        while i < n:
            s0 += x[i]
            i += 1
    else:
        z = b[start:stop]
        while i + 8 <= n:
            s0 += float(x[i]) * z[i]
            s1 += float(x[i + 1]) * z[i + 1]
            s2 += float(x[i + 2]) * z[i + 2]
            s3 += float(x[i + 3]) * z[i + 3]
            s4 += float(x[i + 4]) * z[i + 4]
            s5 += float(x[i + 5]) * z[i + 5]
            s6 += float(x[i + 6]) * z[i + 6]
            s7 += float(x[i + 7]) * z[i + 7]
            i += 8
        while i < n:
            s0 += float(x[i]) * z[i]
            i += 1
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@jitable
def row_sum(a, b):
    """Σ a[i] (b is None) or Σ a[i]·b[i] over a 1-D array, in float64, compensated across blocks."""
    if a.size < SHORT_ROW:
        return _short_row_sum(a, b)
    return _blocked_row_sum(a, b)


@jitable
def _short_row_sum(a, b):
    """row_sum in one pass, each step an exact two-sum."""
    total = 0.0
    compensation = 0.0
    for i in range(a.size):
        v = float(a[i]) if b is None else float(a[i]) * b[i]
        t = total + v
        v_part = t - total
        compensation += (total - (t - v_part)) + (v - v_part)
        total = t
    return total + compensation


@register_jitable
def _blocked_row_sum(a, b):
    """row_sum over blocks of ``BLOCK`` elements, their sums added with Neumaier's compensation
    (not forced inline: inlined, it slowed the short rows' path 1.5–2×)."""
    n = a.size
    total = 0.0
    compensation = 0.0
    for start in range(0, n, BLOCK):
        v = _block_sum(a, b, start, min(start + BLOCK, n))
        t = total + v
        compensation += (total - t) + v if abs(total) >= abs(v) else (v - t) + total
        total = t
    return total + compensation
