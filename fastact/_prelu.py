"""PReLU: a leaky ReLU with one learnable slope per channel (PyTorch's ``prelu``).

The slopes ``weight`` are 1-D, of size 1 (one slope for every element) or ``x.shape[axis]``.
The backends' ``prelu(op, arrays, weight, out, axis)`` and ``prelu_weight_grad`` do the work.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fastact import _validate
from fastact._dispatch import resolve, resolve_device

_NOTES = """
    Notes
    -----
    f(x) = x if x > 0 else w_c·x, with c the index of x along ``axis``;
    f′(x) = 1 if x > 0 else w_c, so ∇prelu(0) = w_c (PyTorch's convention); NaN stays NaN.
    ∂L/∂w_c = Σ grad·x over the elements x ≤ 0 of channel c (:func:`prelu_param_grads`).
"""


def _weight(weight, x: np.ndarray, axis, function: str) -> tuple[np.ndarray, int]:
    """The slopes as a contiguous array of x's dtype, and the normalized axis (0 for one slope)."""
    w = np.asarray(weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{function}: weight must be real numbers, got dtype {w.dtype}")
    if w.ndim > 1 or w.size == 0:
        raise ValueError(f"{function}: weight must be a non-empty 1-D array, got shape {w.shape}")
    w = np.ascontiguousarray(w.reshape(-1), dtype=x.dtype)
    if w.size == 1:
        return w, 0
    axis = _validate.normalize_axis(axis, x.ndim, function)
    if x.ndim == 0 or x.shape[axis] != w.size:
        channels = x.shape[axis] if x.ndim else 1
        raise ValueError(f"{function}: weight has {w.size} slopes but x has {channels} channels "
                         f"along axis {axis}; pass 1 slope or one per channel")
    return w, axis


def prelu(x: ArrayLike, weight: ArrayLike, axis: int = 1, *, out: np.ndarray | None = None,
          backend: str | None = None) -> np.ndarray:
    """Parametric ReLU (He et al. 2015): f(x) = x if x > 0 else w_c·x.

    Parameters
    ----------
    x : array_like
        The input. float32 and float64 keep their dtype; integers and bools are computed in float64.
    weight : array_like
        The slopes: 1-D, of size 1 (applies to every element) or ``x.shape[axis]``. Learnable:
        see :func:`prelu_param_grads`.
    axis : int, default 1
        The channel axis (PyTorch's: 1). Ignored for a single slope.
    out : ndarray, optional
        Where to write f(x); may be ``x`` itself.
    backend : {"auto", "numba", "cython", "cuda", "numpy"}, optional
    {notes}
    Examples
    --------
    >>> import numpy as np, fastact
    >>> fastact.prelu(np.array([[-1.0, 2.0], [-4.0, -1.0]]), np.array([0.1, 0.5]))
    array([[-0.1,  2. ],
           [-0.4, -0.5]])
    """
    if _validate.on_device(x):
        return resolve_device(backend, "prelu").prelu_on_device("forward", "prelu", None, "x", x, weight, axis, out)
    kernels = resolve(backend)
    x = _validate.as_input(x, "x", "prelu")
    w, axis = _weight(weight, x, axis, "prelu")
    out = _validate.output(out, x, "prelu", {"x": x})
    kernels.prelu("forward", (x,), w, out, axis)
    return out


def prelu_(x: np.ndarray, weight: ArrayLike, axis: int = 1, *, backend: str | None = None) -> np.ndarray:
    """In-place PReLU: x ← prelu(x, weight, axis); returns x. See :func:`prelu`."""
    if _validate.on_device(x):
        return resolve_device(backend, "prelu_").prelu_on_device("forward", "prelu_", None, "x", x, weight, axis,
                                                                 None, in_place=True)
    kernels = resolve(backend)
    _validate.check_writable_float(x, "x", "prelu_")
    w, axis = _weight(weight, x, axis, "prelu_")
    kernels.prelu("forward", (x,), w, x, axis)
    return x


def prelu_derivative(x: ArrayLike, weight: ArrayLike, axis: int = 1, *, out: np.ndarray | None = None,
                     backend: str | None = None) -> np.ndarray:
    """Element-wise derivative of PReLU: f′(x) = 1 if x > 0 else w_c. See :func:`prelu`."""
    if _validate.on_device(x):
        return resolve_device(backend, "prelu_derivative").prelu_on_device(
            "derivative", "prelu_derivative", None, "x", x, weight, axis, out)
    kernels = resolve(backend)
    x = _validate.as_input(x, "x", "prelu_derivative")
    w, axis = _weight(weight, x, axis, "prelu_derivative")
    out = _validate.output(out, x, "prelu_derivative", {"x": x})
    kernels.prelu("derivative", (x,), w, out, axis)
    return out


def prelu_backward(grad: ArrayLike, x: ArrayLike | None = None, *, y: ArrayLike | None = None,
                   weight: ArrayLike, axis: int = 1, out: np.ndarray | None = None,
                   backend: str | None = None) -> np.ndarray:
    """Backward pass of PReLU: dL/dx = grad if x > 0 else grad·w_c.

    Pass exactly one of ``x`` (the input) or ``y`` (the output; valid when every slope is
    positive, so that y > 0 exactly when x > 0). ``out`` may be ``grad`` itself.
    """
    function = "prelu_backward"
    kernels = resolve(backend)
    if (x is None) == (y is None):
        raise TypeError(f"{function}: pass exactly one of x (the input) or y (the output)")
    name, a = ("x", x) if y is None else ("y", y)
    if _validate.on_device(grad) or _validate.on_device(a):
        return resolve_device(backend, function).prelu_on_device("vjp", function, grad, name, a, weight, axis, out)
    g = _validate.as_input(grad, "grad", function)
    a = _validate.as_input(a, name, function)
    _validate.same_shape_and_dtype(function, ("grad", g), (name, a))
    w, axis = _weight(weight, a, axis, function)
    if y is not None and not (w > 0).all():
        raise ValueError(f"{function} from y: needs every slope > 0 (y does not determine the sign of x)")
    out = _validate.output(out, g, function, {"grad": g, name: a})
    kernels.prelu("vjp", (g, a), w, out, axis)
    return out


def prelu_param_grads(grad: ArrayLike, x: ArrayLike, weight: ArrayLike, axis: int = 1, *,
                      backend: str | None = None) -> dict:
    """Gradient of the loss with respect to the slopes: {"weight": Σ grad·x over x ≤ 0, per channel}.

    The sum runs over every axis but ``axis`` (over everything for a single slope); it is
    compensated and deterministic (the same bits for every thread count). Returns an array of
    the weight's size, in x's dtype.
    """
    function = "prelu_param_grads"
    if _validate.on_device(grad) or _validate.on_device(x):
        return {"weight": resolve_device(backend, function).prelu_weight_grad_on_device(function, grad, x, weight, axis)}
    kernels = resolve(backend)
    g = _validate.as_input(grad, "grad", function)
    x = _validate.as_input(x, "x", function)
    _validate.same_shape_and_dtype(function, ("grad", g), ("x", x))
    w, axis = _weight(weight, x, axis, function)
    return {"weight": kernels.prelu_weight_grad(g, x, w, axis)}


prelu.__doc__ = prelu.__doc__.replace("{notes}", _NOTES)
for _f in (prelu_, prelu_derivative, prelu_backward, prelu_param_grads):
    _f.__doc__ += _NOTES
