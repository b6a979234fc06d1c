"""The part of a CPU backend that is the same for every kind of compiled loop.

Any layout → flat or row-wise contiguous operands (:mod:`fastact._layout`), the kernel
parameter tuple, and the deterministic reductions (parameter gradients, dL/dθ, PReLU slopes).
Each function takes ``run(kind, name, size, *args)``, the backend's way of running its loop
``kind`` ("forward", "derivative", "vjp", "vjp_from_y", each also with "_inplace", where the
first operand is also the output, "param_vjp", "softmax", "softmax_vjp", "log_softmax",
"log_softmax_vjp", "softmin", "softmin_vjp", "bias_forward", "bias_vjp", "bias_param_vjp",
"prelu_forward", "prelu_derivative", "prelu_vjp", "prelu_weight_grad"; "softmax_columns" and
"softmax_columns_vjp" where the backend has column-wise loops) of activation ``name`` (None
for the others) over ``size`` elements; the loops' arguments are those of the numba loops in
:mod:`fastact._kernels` (``cpu_loops``, ``bias_loops``, ``channel_loops``).
:func:`bind` makes these functions a backend's.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

from fastact import _layout
from fastact._catalog import Activation

#: Elements per block of a parameter-gradient reduction, at least: the blocks, not the threads,
#: fix the summation order, so the result is the same for every thread count and backend.
REDUCTION_BLOCK = 4096
#: Blocks per reduction, at most (larger arrays get larger blocks): the block sums of a
#: per-channel reduction (C columns) then stay small beside the arrays, and adding them costs
#: little (4-row blocks of a 3e7-element dL/dθ pass had written 60 MB of partial sums, and
#: math.fsum over them took 0.55 s, 45× the pass).
MAX_BLOCKS = 64

Run = Callable[..., None]


def reduction_block(size: int) -> int:
    """Elements per block of a reduction over ``size`` elements: ``REDUCTION_BLOCK``, or more
    where that would make more than ``MAX_BLOCKS`` blocks."""
    return max(REDUCTION_BLOCK, -(-size // MAX_BLOCKS))


def rows_per_block(outer: int, features: int, inner: int) -> int:
    """Outer indices per block of the reductions over an (outer, features, inner) array: about
    ``REDUCTION_BLOCK`` elements, at most ``MAX_BLOCKS`` blocks."""
    return max(1, REDUCTION_BLOCK // max(1, features * inner), -(-outer // MAX_BLOCKS))


def add_blocks(partial: np.ndarray) -> np.ndarray:
    """Column sums (float64) of block sums ``partial`` (blocks × columns), compensated: a pairwise
    tree of exact two-sums whose rounding errors are added at the end, so the result is about as
    accurate as an exact sum rounded once (a few whole-array operations per level, where
    ``math.fsum`` per column took ~70 ns per value). Deterministic: the blocks do not depend on
    the thread count."""
    level = np.asarray(partial, dtype=np.float64)
    errors = np.zeros(level.shape[1])
    with np.errstate(invalid="ignore"):  # inf − inf in the errors of infinite sums, dropped below
        while level.shape[0] > 1:
            if level.shape[0] % 2:
                level = np.concatenate([level, np.zeros((1, level.shape[1]))])
            a, b = level[0::2], level[1::2]
            level = a + b
            b_part = level - a
            errors += ((a - (level - b_part)) + (b - b_part)).sum(axis=0)
    total = level.sum(axis=0)  # the one row (or zeros for no blocks)
    return total + np.where(np.isfinite(total), errors, 0.0)


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

    ``run("param_vjp", ...)`` fills one row per block of ``reduction_block(size)`` elements
    with Neumaier-compensated block sums; :func:`add_blocks` adds them.
    """
    p = spec.pack(x.dtype, values)
    flat_g, flat_x = _layout.flat_inputs((g, x))
    grads = {}
    block = reduction_block(x.size)
    blocks = -(-x.size // block)
    for name, start, stop, vector in spec.learnable_slots(values):
        partial = np.zeros((blocks, stop - start))
        if blocks:
            run("param_vjp", spec.name, x.size, flat_g, flat_x, p, start, block, partial)
        sums = add_blocks(partial)
        grads[name] = sums.astype(x.dtype) if vector else x.dtype.type(sums[0])
    return grads


def _row_wise(run: Run, kind: str, arrays: tuple, out: np.ndarray, axis: int, columns: str | None = None) -> None:
    """Run the row-wise loop ``kind`` on (rows, n) rows of the moved ``axis`` (copies where the
    layout needs them), or its ``columns`` form on (outer, n, inner) views of C-contiguous
    arrays when ``axis`` is not the last (no transposed copy)."""
    if out.size == 0:
        return
    slabs = _layout.slabs(arrays, out, axis) if columns else None
    if slabs is not None:
        run(columns, None, out.size, *slabs)
        return
    src = [_layout.rows(a, axis) for a in arrays]
    # numba's row loops work in place on out after copying the first input into it: out must not
    # be an input they still read (y of a backward pass)
    dst, pending = _layout.row_output(out, axis, fresh=any(out is a for a in arrays[1:]))
    run(kind, None, out.size, *src, dst)
    _layout.commit_rows(out, axis, pending)


def softmax(run: Run, x: np.ndarray, out: np.ndarray, axis: int, columns: bool = False) -> None:
    """Softmax along ``axis`` into ``out`` (which may be ``x``); ``columns``: the backend has
    column-wise loops for an axis that is not the last."""
    _row_wise(run, "softmax", (x,), out, axis, "softmax_columns" if columns else None)


def softmax_vjp(run: Run, g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int, columns: bool = False) -> None:
    """dL/dx = y ⊙ (g − Σ g·y) along ``axis`` into ``out`` (which may be ``g``)."""
    _row_wise(run, "softmax_vjp", (g, y), out, axis, "softmax_columns_vjp" if columns else None)


def log_softmax(run: Run, x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """log_softmax along ``axis`` into ``out`` (which may be ``x``)."""
    _row_wise(run, "log_softmax", (x,), out, axis)


def log_softmax_vjp(run: Run, g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = g − e^y·Σ g along ``axis`` into ``out`` (which may be ``g``)."""
    _row_wise(run, "log_softmax_vjp", (g, y), out, axis)


def softmin(run: Run, x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """softmin along ``axis`` into ``out`` (which may be ``x``)."""
    _row_wise(run, "softmin", (x,), out, axis)


def softmin_vjp(run: Run, g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = −y ⊙ (g − Σ g·y) along ``axis`` into ``out`` (which may be ``g``)."""
    _row_wise(run, "softmin_vjp", (g, y), out, axis)


# --- the fused neuron v = f(u − θ) ----------------------------------------------------------


def bias_act(run: Run, spec: Activation, u: np.ndarray, theta: np.ndarray, out: np.ndarray, values: tuple,
             axis: int) -> None:
    """out = f(u − θ) with θ along ``axis``, in one pass."""
    if out.size == 0:
        return
    (flat_u,), flat_out, pending, shape = _layout.feature_operands((u,), out, axis)
    run("bias_forward", spec.name, out.size, flat_u, theta, flat_out, spec.pack(out.dtype, values), *shape)
    _layout.commit(out, pending)


def bias_act_vjp(run: Run, spec: Activation, g: np.ndarray, u: np.ndarray, theta: np.ndarray, du: np.ndarray,
                 values: tuple, axis: int) -> np.ndarray:
    """du = g ⊙ f′(u − θ) in one pass that also returns dθ = −Σ du over all axes but ``axis``
    (block sums over ``rows_per_block`` outer indices, added by :func:`add_blocks`)."""
    dtheta = np.zeros((0, theta.size))
    if du.size:
        (flat_g, flat_u), flat_du, pending, shape = _layout.feature_operands((g, u), du, axis)
        block = rows_per_block(*shape)
        dtheta = np.zeros((-(-shape[0] // block), theta.size))
        run("bias_vjp", spec.name, du.size, flat_g, flat_u, theta, flat_du, spec.pack(du.dtype, values),
            *shape, block, dtheta)
        _layout.commit(du, pending)
    return add_blocks(dtheta).astype(du.dtype)


def bias_param_grads(run: Run, spec: Activation, g: np.ndarray, u: np.ndarray, theta: np.ndarray, values: tuple,
                     axis: int) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter at x = u − θ."""
    p = spec.pack(u.dtype, values)
    (flat_g, flat_u), _, _, shape = _layout.feature_operands((g, u), g, axis)
    block = rows_per_block(*shape)
    blocks = -(-shape[0] // block) if u.size else 0
    grads = {}
    for name, start, stop, vector in spec.learnable_slots(values):
        partial = np.zeros((blocks, stop - start))
        if blocks:
            run("bias_param_vjp", spec.name, u.size, flat_g, flat_u, theta, p, *shape, start, block, partial)
        sums = add_blocks(partial)
        grads[name] = sums.astype(u.dtype) if vector else u.dtype.type(sums[0])
    return grads


# --- PReLU ----------------------------------------------------------------------------------


def _inner(shape: tuple, weight: np.ndarray, axis: int) -> int:
    """Elements per run of one channel in C order (all of them for a single slope)."""
    return max(math.prod(shape), 1) if weight.size == 1 else math.prod(shape[axis + 1:])


def prelu(run: Run, op: str, arrays: tuple, weight: np.ndarray, out: np.ndarray, axis: int) -> None:
    """PReLU ``op`` ("forward", "derivative" or "vjp"; arrays (x,) or (g, x)) into ``out``."""
    if out.size == 0:
        return
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    pending = None if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    flat_out = (out if pending is None else pending).ravel()
    run(f"prelu_{op}", None, out.size, *flat, weight, _inner(out.shape, weight, axis), flat_out)
    if pending is not None:
        np.copyto(out, pending)


def prelu_weight_grad(run: Run, g: np.ndarray, x: np.ndarray, weight: np.ndarray, axis: int) -> np.ndarray:
    """Σ g·x over x ≤ 0, per channel (deterministic, compensated), in x's dtype.

    ``run("prelu_weight_grad", ...)`` fills, per block of ``reduction_block(size)`` elements, a
    running sum and its compensation per channel; :func:`add_blocks` adds each column.
    """
    block = reduction_block(x.size)
    blocks = -(-x.size // block)
    partial = np.zeros((blocks, 2 * weight.size))  # running sums, then their compensations
    if blocks:
        flat_g, flat_x = (np.ascontiguousarray(a).ravel() for a in (g, x))
        run("prelu_weight_grad", None, x.size, flat_g, flat_x, weight, _inner(x.shape, weight, axis), block,
            partial)
    sums = add_blocks(partial)
    return (sums[:weight.size] + sums[weight.size:]).astype(x.dtype)


#: The functions every CPU backend module provides (see :mod:`fastact._reference`).
BACKEND_FUNCTIONS = ("elementwise", "param_grads", "softmax", "softmax_vjp", "log_softmax", "log_softmax_vjp",
                     "softmin", "softmin_vjp", "bias_act", "bias_act_vjp", "bias_param_grads", "prelu",
                     "prelu_weight_grad")


def bind(run: Run, columns: bool = False) -> dict:
    """The backend functions of a CPU backend whose loops run by ``run``: each function of
    ``BACKEND_FUNCTIONS`` with ``run`` as its first argument (for the module's globals);
    ``columns``: ``run`` has the column-wise softmax loops."""
    functions = {name: functools.partial(globals()[name], run) for name in BACKEND_FUNCTIONS}
    for name in ("softmax", "softmax_vjp"):
        functions[name] = functools.partial(globals()[name], run, columns=columns)
    return functions
