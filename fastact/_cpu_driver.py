"""The part of a CPU backend that is the same for every kind of compiled loop.

Any layout → flat or row-wise contiguous operands (:mod:`fastact._layout`), the kernel
parameter tuple, and the deterministic parameter-gradient reduction. Each function takes
``run(kind, name, size, *args)``, the backend's way of running its loop ``kind`` ("forward",
"derivative", "vjp", "vjp_from_y", each also with "_inplace", where the first operand is also
the output, "param_vjp", "softmax", "softmax_vjp") of activation
``name`` over ``size`` elements; the loops' arguments are those of
:mod:`fastact._kernels.cpu_loops`.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from fastact import _layout
from fastact._catalog import Activation

#: Elements per block of a parameter-gradient reduction: the blocks, not the threads, fix
#: the summation order, so the result is the same for every thread count and backend.
REDUCTION_BLOCK = 4096

Run = Callable[..., None]


def elementwise(run: Run, spec: Activation, op: str, arrays: tuple, out: np.ndarray | None,
                values: tuple) -> np.ndarray:
    """Compute ``op`` ("forward", "derivative", "vjp" or "vjp_from_y") of ``spec`` into ``out``
    (None: a new array like the first operand) and return it."""
    if out is None:
        out = np.empty_like(arrays[0])
    if out.size == 0:
        return out
    flat, flat_out, pending = _layout.flat_operands(arrays, out)
    if out is arrays[0] and pending is None:  # in place: flat_out and flat[0] are the same memory
        run(op + "_inplace", spec.name, out.size, *flat, spec.pack(out.dtype, values))
    else:
        run(op, spec.name, out.size, *flat, flat_out, spec.pack(out.dtype, values))
    _layout.commit(out, pending)
    return out


def param_grads(run: Run, spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter in x's dtype.

    ``run("param_vjp", ...)`` fills one row per block of ``REDUCTION_BLOCK`` elements with
    Neumaier-compensated block sums; the blocks are added exactly (``math.fsum``).
    """
    p = spec.pack(x.dtype, values)
    flat_g, flat_x = _layout.flat_inputs((g, x))
    grads = {}
    blocks = -(-x.size // REDUCTION_BLOCK)
    for name, start, stop, vector in spec.learnable_slots(values):
        partial = np.zeros((blocks, stop - start))
        if blocks:
            run("param_vjp", spec.name, x.size, flat_g, flat_x, p, start, partial)
        sums = [math.fsum(column) for column in partial.T]
        grads[name] = np.array(sums, dtype=x.dtype) if vector else x.dtype.type(sums[0])
    return grads


def softmax(run: Run, x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """Softmax along ``axis`` into ``out`` (which may be ``x``), row by row."""
    if out.size == 0:
        return
    src = _layout.rows(x, axis)
    dst, pending = _layout.row_output(out, axis)
    run("softmax", None, out.size, src, dst)
    _layout.commit_rows(out, axis, pending)


def softmax_vjp(run: Run, g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = y ⊙ (g − Σ g·y) along ``axis`` into ``out`` (which may be ``g``)."""
    if out.size == 0:
        return
    src_g, src_y = _layout.rows(g, axis), _layout.rows(y, axis)
    dst, pending = _layout.row_output(out, axis)
    run("softmax_vjp", None, out.size, src_g, src_y, dst)
    _layout.commit_rows(out, axis, pending)
