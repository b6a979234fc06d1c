"""Any shape and memory layout → the 1-D contiguous operands the CPU loops take."""

from __future__ import annotations

import numpy as np


def flat_inputs(arrays: tuple) -> list:
    """1-D views of same-shaped arrays that correspond element by element (C-ordered copies
    when the arrays are not all C- or all Fortran-contiguous)."""
    if all(a.flags.c_contiguous for a in arrays):
        return [a.ravel() for a in arrays]
    if all(a.flags.f_contiguous for a in arrays):
        return [a.ravel(order="F") for a in arrays]
    return [np.ascontiguousarray(a).ravel() for a in arrays]


def flat_operands(arrays: tuple, out: np.ndarray):
    """1-D operands that correspond element by element, and the array to copy back.

    Returns ``(flat_arrays, flat_out, pending)``. When all operands are C-contiguous (or all
    Fortran-contiguous) the results are views and ``pending`` is None. Otherwise the inputs
    are copied to C order, and when ``out`` is not C-contiguous the loop writes into a
    temporary ``pending`` that the caller copies into ``out`` (``np.copyto(out, pending)``),
    so an in-place call on a strided view changes the caller's array.
    """
    if out.flags.c_contiguous:
        for a in arrays:
            if not a.flags.c_contiguous:
                break
        else:  # the common case, written out to stay cheap for small arrays
            return (arrays[0].ravel(),) if len(arrays) == 1 else (arrays[0].ravel(), arrays[1].ravel()), \
                out.ravel(), None
    if out.flags.f_contiguous and all(a.flags.f_contiguous for a in arrays):
        return [a.ravel(order="F") for a in arrays], out.ravel(order="F"), None
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    if out.flags.c_contiguous:
        return flat, out.ravel(), None
    pending = np.empty(out.shape, out.dtype)
    return flat, pending.ravel(), pending


def axis_last(a: np.ndarray, axis: int) -> np.ndarray:
    """A view of ``a`` with the non-negative ``axis`` moved last (a 0-d array as one element
    of one row): ``np.moveaxis`` without its argument checks, which cost ~4 µs a call."""
    if a.ndim == 0:
        return a.reshape(1)
    if axis == a.ndim - 1:
        return a
    order = list(range(a.ndim))
    order.append(order.pop(axis))
    return a.transpose(order)


def jacobian_axis_back(jac: np.ndarray, shape: tuple, axis: int) -> np.ndarray:
    """A Jacobian computed on :func:`axis_last` rows, shape ``(..., n, n)``, as ``shape + (n,)``:
    its row axis (−2) moved back to ``axis``."""
    return np.moveaxis(jac, -2, axis).reshape(shape + (jac.shape[-1],))


def rows(a: np.ndarray, axis: int) -> np.ndarray:
    """``a`` with ``axis`` moved last, as a C-contiguous 2-D (rows, n) array (a view if possible)."""
    moved = axis_last(a, axis)
    if not moved.flags.c_contiguous:
        moved = np.ascontiguousarray(moved)
    return moved.reshape(-1, moved.shape[-1])


def row_output(out: np.ndarray, axis: int, fresh: bool = False):
    """Like :func:`flat_operands` for ``out`` of a row-wise (softmax) loop: (rows, pending).

    ``fresh``: always write into a new ``pending`` array (when ``out`` is an input the loop
    still reads)."""
    moved = axis_last(out, axis)
    if moved.flags.c_contiguous and not fresh:
        return moved.reshape(-1, moved.shape[-1]), None
    pending = np.empty(moved.shape, out.dtype)
    return pending.reshape(-1, moved.shape[-1]), pending


def commit_rows(out: np.ndarray, axis: int, pending) -> None:
    """Copy a pending row-wise result back into ``out``."""
    if pending is not None:
        np.copyto(axis_last(out, axis), pending)


#: Below this many trailing elements per index of ``axis``, moving the axis last (a transposed
#: copy) is faster than column-wise loops (measured: bench/RESULTS.md, "softmax along an axis").
MIN_SLAB_COLUMNS = 32


def slabs(arrays: tuple, out: np.ndarray, axis: int):
    """(outer, n, inner) views of C-contiguous arrays around ``axis``, or None.

    None when ``axis`` is the last (rows are better), when fewer than ``MIN_SLAB_COLUMNS``
    elements follow it, or when an operand is not C-contiguous.
    """
    shape = out.shape
    if axis >= len(shape) - 1 or not out.flags.c_contiguous or np.prod(shape[axis + 1:]) < MIN_SLAB_COLUMNS:
        return None
    for a in arrays:
        if not a.flags.c_contiguous:
            return None
    inner = int(np.prod(shape[axis + 1:]))
    view = (int(np.prod(shape[:axis])), shape[axis], inner)
    return [a.reshape(view) for a in (*arrays, out)]


def feature_operands(arrays: tuple, out: np.ndarray, axis: int):
    """Flat C-ordered operands around the feature ``axis``, and their (outer, C, inner) shape.

    Returns ``(flat_arrays, flat_out, pending, shape)``: inputs that are not C-contiguous are
    copied, and when ``out`` is not, the loop writes into ``pending``, for :func:`commit`.
    """
    shape = out.shape
    view = (int(np.prod(shape[:axis])), shape[axis], int(np.prod(shape[axis + 1:])))
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    if out.flags.c_contiguous:
        return flat, out.ravel(), None, view
    pending = np.empty(shape, out.dtype)
    return flat, pending.ravel(), pending, view


def commit(out: np.ndarray, pending) -> None:
    """Copy a pending result (see :func:`flat_operands`) back into ``out``."""
    if pending is not None:
        np.copyto(out, pending)
