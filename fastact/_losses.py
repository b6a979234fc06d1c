"""Softmax + cross-entropy for classifiers: the loss, and its gradient y − t without a Jacobian."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fastact import _validate
from fastact._softmax import softmax

_REDUCTIONS = ("mean", "sum", "none")


def _targets(x: np.ndarray, target, axis: int, function: str) -> np.ndarray:
    """Targets as probabilities shaped like x (class indices become one-hot rows)."""
    t = np.asarray(target)
    rows_shape = x.shape[:axis] + x.shape[axis + 1:]
    if t.dtype.kind in "iu" and t.shape == rows_shape:
        n = x.shape[axis]
        if t.size and (t.min() < 0 or t.max() >= n):
            raise ValueError(f"{function}: target class indices must lie in [0, {n}), got {t.min()}..{t.max()}")
        return np.moveaxis(np.eye(n, dtype=x.dtype)[t], -1, axis)
    if t.dtype.kind == "f" and t.shape == x.shape:
        return t.astype(x.dtype, copy=False)
    raise ValueError(f"{function}: target must be integer class indices of shape {rows_shape} "
                     f"or float probabilities of shape {x.shape}; got {t.dtype} {t.shape}")


def _reduce(rows: np.ndarray, reduction: str, function: str):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{function}: reduction must be one of {_REDUCTIONS}; got {reduction!r}")
    if reduction == "none":
        return rows
    total = rows.sum(dtype=np.float64)
    return rows.dtype.type(total / max(rows.size, 1) if reduction == "mean" else total)


def softmax_cross_entropy(logits: ArrayLike, target: ArrayLike, axis: int = -1, *,
                          reduction: str = "mean") -> np.ndarray | np.floating:
    """Cross-entropy of softmax(logits) against ``target``, computed from log-sum-exp.

        loss_row = log Σ_j e^(x_j) · Σ_j t_j − Σ_j t_j x_j       (= −Σ t log softmax(x))

    Parameters
    ----------
    logits : array_like
        Scores x; ``axis`` holds the classes.
    target : array_like
        Integer class indices (x's shape without ``axis``) or probabilities (x's shape).
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean or sum over the rows, or the per-row losses.

    Examples
    --------
    >>> import numpy as np, fastact
    >>> float(fastact.softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1])))
    0.6931471805599453
    """
    x = _validate.as_input(logits, "logits", "softmax_cross_entropy")
    axis = _validate.normalize_axis(axis, x.ndim, "softmax_cross_entropy")
    t = _targets(x, target, axis, "softmax_cross_entropy")
    with np.errstate(all="ignore"):
        m = np.max(x, axis=axis, keepdims=True)
        lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
        rows = np.sum(t * (lse - x), axis=axis)
    return _reduce(rows, reduction, "softmax_cross_entropy")


def softmax_cross_entropy_backward(logits: ArrayLike, target: ArrayLike, axis: int = -1, *,
                                   reduction: str = "mean", grad: float = 1.0,
                                   backend: str | None = None) -> np.ndarray:
    """Gradient of :func:`softmax_cross_entropy` with respect to the logits.

        dL/dx = grad · (softmax(x) · Σ_j t_j − t)   (divided by the number of rows for "mean")

    For one-hot or probability targets this is grad · (y − t). ``grad`` is dL/dloss (a scalar,
    or per-row losses' gradients shaped like the rows for ``reduction="none"``).

    Examples
    --------
    >>> import numpy as np, fastact
    >>> fastact.softmax_cross_entropy_backward(np.array([[0.0, 0.0]]), np.array([1]))
    array([[ 0.5, -0.5]])
    """
    x = _validate.as_input(logits, "logits", "softmax_cross_entropy_backward")
    axis = _validate.normalize_axis(axis, x.ndim, "softmax_cross_entropy_backward")
    t = _targets(x, target, axis, "softmax_cross_entropy_backward")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"softmax_cross_entropy_backward: reduction must be one of {_REDUCTIONS}; got {reduction!r}")
    rows = x.size // max(x.shape[axis], 1) if x.ndim else 1
    scale = np.asarray(grad, dtype=x.dtype)
    if reduction == "none":
        scale = np.expand_dims(scale, axis)
    elif reduction == "mean":
        scale = scale / max(rows, 1)
    dx = softmax(x, axis, backend=backend)
    dx *= np.sum(t, axis=axis, keepdims=True)
    dx -= t
    dx *= scale
    return dx
