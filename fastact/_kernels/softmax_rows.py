"""The softmax family on one row: the row formulas that the CPU row loops apply.

Forward functions transform one contiguous row ``y`` in place (the loop has copied the input
row into it when the output is another array); backward functions write ``d`` from the
incoming gradient ``g`` and the forward output ``y``, three distinct arrays (the loop passes
a copy of ``g`` when ``d`` is ``g``). LLVM vectorizes a loop over two arrays only after a
run-time check that they do not overlap, which identical arrays fail, hence never the same
array under two names. ``w`` is a float64 work row of the same length. Reductions:
:mod:`fastact._kernels.rows` (NaN-propagating maximum; float64 sums, 8 lanes, compensated
across blocks). A row holding +inf is NaN (inf − inf), as PyTorch.
"""

import numpy as np
from numba.extending import register_jitable

from fastact._kernels import rows, vmath
from fastact._kernels.exact import two_sum

jitable = register_jitable(forceinline=True)


@jitable
def softmax(y, w):
    """y ← e^(y − m) / Σ e^(y − m), m = max y; the rounding error of y − m is carried into the
    exponential (:mod:`fastact._kernels.exact`)."""
    m = rows.row_max(y)
    for i in range(y.size):
        z, dz = two_sum(y[i], -m)
        e = vmath.exp(z)
        y[i] = e + e * dz
    total = rows.row_sum(y, None)
    for i in range(y.size):
        y[i] = y[i] / total


@jitable
def softmin(y, w):
    """y ← softmax(−y)."""
    for i in range(y.size):
        y[i] = -y[i]
    softmax(y, w)


@jitable
def log_softmax(y, w):
    """y ← (y − m) − log Σ e^(y − m), m = max y, the exponentials in float64 (in ``w``)."""
    m = np.float64(rows.row_max(y))
    for i in range(y.size):
        z, dz = two_sum(np.float64(y[i]), -m)
        e = vmath.exp(z)
        w[i] = e + e * dz
    log_total = vmath.log(rows.row_sum(w, None))
    for i in range(y.size):
        z, dz = two_sum(np.float64(y[i]), -m)
        y[i] = (z - log_total) + dz


@jitable
def softmax_vjp(g, y, d):
    """d = y ⊙ (g − Σ g·y): dL/dx from dL/dy and y = softmax(x)."""
    total = rows.row_sum(g, y)
    for i in range(d.size):
        d[i] = y[i] * (g[i] - total)


@jitable
def softmin_vjp(g, y, d):
    """d = −y ⊙ (g − Σ g·y), y = softmin(x)."""
    total = rows.row_sum(g, y)
    for i in range(d.size):
        d[i] = y[i] * (total - g[i])


@jitable
def log_softmax_vjp(g, y, d):
    """d = g − e^y·Σ g, y = log_softmax(x)."""
    total = rows.row_sum(g, None)
    for i in range(d.size):
        d[i] = g[i] - vmath.exp(np.float64(y[i])) * total
