"""numba.cuda kernels with one value per feature (channel): the fused neuron v = f(u − θ) and
PReLU, built around the scalar formulas of :mod:`fastact._kernels.scalar` as device functions.

The operands are 1-D C-contiguous views of an (outer, C, inner) array: element i belongs to
feature (i // inner) % C, computed in 32-bit unsigned arithmetic where the indices fit
(:func:`index_type`). The maps are tiled as the element-wise kernels are. The reductions over every axis but the feature axis (dθ of the
neuron, the slopes' gradient of PReLU) are cut into fixed pieces by :func:`pieces`, one thread
per piece, each summing its elements in float64 with Neumaier compensation into its own slot
of a partial array; the caller adds the slots of each feature exactly (``math.fsum``). The
pieces depend only on the shape, not on the grid or the device, so the results repeat bit for
bit.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import cuda
from numba.extending import register_jitable

from fastact._kernels.cuda_loops import WARP, _identity, tiled_kernel
from fastact._kernels.exact import neumaier_add, two_product

#: Elements one thread of a reduction sums (about).
PER_THREAD = 128


def pieces(outer: int, features: int, inner: int) -> tuple[int, int, int, int]:
    """The reduction pieces of an (outer, features, inner) array: (lanes, segment, rows, slots).

    Per feature, the (outer, inner) plane is cut into blocks of ``rows`` outer indices by
    segments of ``segment`` inner indices; ``lanes`` threads share each block, lane l taking
    the inner indices l, l + lanes, ... of the segment (so that neighbouring threads read
    neighbouring memory). ``slots`` = pieces per feature = rows of the partial array.
    """
    lanes = max(1, min(inner, WARP))
    segment = max(1, min(inner, lanes * PER_THREAD))
    rows = max(1, lanes * PER_THREAD // segment)
    slots = -(-outer // rows) * -(-inner // segment) * lanes
    return lanes, segment, rows, slots


def index_type(size: int):
    """The unsigned integer type of the feature-index arguments for arrays of ``size``
    elements: 32 bits where the indices fit, so that :func:`_feature` divides in 32 bits
    (a 64-bit division is a long software sequence on a GPU)."""
    return np.uint32 if size < 2**32 else np.uint64


@register_jitable
def _feature(i, inner, features):
    """(i // inner) % features in the unsigned type T of ``inner`` and ``features``."""
    T = type(inner)
    return T(T(T(i) // inner) % features)


@register_jitable
def _piece(index, lanes, segment, rows, features, inner):
    """(feature, lane, first outer index, first inner index of the segment, slot) of a piece."""
    lane = index % lanes
    rest = index // lanes
    c = rest % features
    rest //= features
    segments = (inner + segment - 1) // segment
    s = rest % segments
    block = rest // segments
    return c, lane, block * rows, s * segment, (block * segments + s) * lanes + lane


# --- the fused neuron -----------------------------------------------------------------------


def bias_map_kernel(f, threads: int):
    """out[i] = f(u[i] − θ[c], p) over 1-D contiguous arrays, c = (i // inner) % features
    (``features`` and ``inner`` of :func:`index_type`); tiled as the element-wise kernels
    (:func:`fastact._kernels.cuda_loops.tiled_kernel`), ``threads`` per block."""
    return tiled_kernel("u, theta, out, p, features, inner", ["u"],
                        lambda v, i: f"f({v[0]} - theta[feature({i}, inner, features)], p)",
                        {"f": f, "feature": _feature}, threads)


def _bias_vjp_kernel(term):
    """du[i] = term(g[i], a[i], θ[c], p) and partial[slot, c] = −Σ du over each piece."""

    @cuda.jit
    def kernel(g, a, theta, du, p, outer, features, inner, lanes, segment, rows, partial):
        for index in range(cuda.grid(1), partial.shape[0] * features, cuda.gridsize(1)):
            c, lane, first, start, slot = _piece(index, lanes, segment, rows, features, inner)
            t = theta[c]
            total = 0.0
            compensation = 0.0
            for o in range(first, min(first + rows, outer)):
                base = (o * features + c) * inner
                for i in range(base + start + lane, base + min(start + segment, inner), lanes):
                    d = term(g[i], a[i], t, p)
                    du[i] = d
                    total, compensation = neumaier_add(total, compensation, numba.float64(d))
            partial[slot, c] = -(total + compensation)

    return kernel


def bias_vjp_kernel(f):
    """du = f(g, u − θ[c], p) (``f``: a ``NAME_vjp``) with the pieces' sums of −du."""

    @cuda.jit(device=True)
    def term(g, u, t, p):
        return f(g, u - t, p)

    return _bias_vjp_kernel(term)


def bias_vjp_from_y_kernel(f):
    """du = f(g, y, p) (``f``: a ``NAME_vjp_from_y``) with the pieces' sums of −du."""

    @cuda.jit(device=True)
    def term(g, y, t, p):
        return f(g, y, p)

    return _bias_vjp_kernel(term)


# --- PReLU ------------------------------------------------------------------------------------


def channel_map_kernel(f, threads: int):
    """out[i] = f(x[i], w[c]) over 1-D contiguous arrays, c = (i // inner) % channels
    (``inner`` and ``channels`` of :func:`index_type`), tiled, ``threads`` per block."""
    return tiled_kernel("x, w, inner, channels, out", ["x"],
                        lambda v, i: f"f({v[0]}, w[feature({i}, inner, channels)])",
                        {"f": f, "feature": _feature}, threads)


def channel_vjp_kernel(f, threads: int):
    """out[i] = f(g[i], x[i], w[c]) over 1-D contiguous arrays, tiled, ``threads`` per block."""
    return tiled_kernel("g, x, w, inner, channels, out", ["g", "x"],
                        lambda v, i: f"f({v[0]}, {v[1]}, w[feature({i}, inner, channels)])",
                        {"f": f, "feature": _feature}, threads)


def channel_weight_grad_kernel(f):
    """partial[slot, c] = Σ over each piece of f(g, x, w[c]) (``f``: ``prelu_weight_vjp``, g·x
    or 0), in float64 with the products' rounding errors (``two_product``) compensated too."""

    @cuda.jit
    def kernel(g, x, w, outer, inner, lanes, segment, rows, partial):
        channels = w.size
        for index in range(cuda.grid(1), partial.shape[0] * channels, cuda.gridsize(1)):
            c, lane, first, start, slot = _piece(index, lanes, segment, rows, channels, inner)
            wc = numba.float64(w[c])
            total = 0.0
            compensation = 0.0
            for o in range(first, min(first + rows, outer)):
                base = (o * channels + c) * inner
                for i in range(base + start + lane, base + min(start + segment, inner), lanes):
                    gi = numba.float64(g[i])
                    xi = numba.float64(x[i])
                    v = f(gi, xi, wc)
                    total, compensation = neumaier_add(total, compensation, v)
                    if v != 0:
                        compensation += two_product(gi, xi)[1]
            partial[slot, c] = total + compensation

    return kernel



def bias_input_kernel(threads: int):
    """out[i] = u[i] − θ[c]: the activation's input, for the parameter gradients."""
    return bias_map_kernel(_identity, threads)


#: Rows of a partial array that one thread of :func:`column_sums_kernel` adds.
COLUMN_CHUNK = 256


def column_sums_kernel():
    """reduced[b, c] = Σ partial[b·chunk : (b+1)·chunk, c], Neumaier-compensated, one thread
    per (b, c): a fixed order, so that the host adds far fewer numbers exactly."""

    @cuda.jit
    def kernel(partial, reduced, chunk):
        rows, columns = partial.shape
        for index in range(cuda.grid(1), reduced.size, cuda.gridsize(1)):
            c = index % columns
            b = index // columns
            total = 0.0
            compensation = 0.0
            for r in range(b * chunk, min((b + 1) * chunk, rows)):
                total, compensation = neumaier_add(total, compensation, partial[r, c])
            reduced[b, c] = total + compensation

    return kernel
