"""log_softmax and softmin along an axis: forward, in place, backward (from y) and Jacobian.

Both follow :mod:`fastact._softmax`: the backends' row-wise loops do the work
(``log_softmax``, ``log_softmax_vjp``, ``softmin``, ``softmin_vjp``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fastact import _layout, _validate
from fastact._dispatch import resolve, resolve_device
from fastact._softmax import softmax


def _forward(name: str, x, axis, out, backend) -> np.ndarray:
    if _validate.on_device(x):
        return resolve_device(backend, name).softmax_on_device(name, x, axis, out, kind=name)
    kernels = resolve(backend)
    x = _validate.as_input(x, "x", name)
    axis = _validate.normalize_axis(axis, x.ndim, name)
    out = _validate.output(out, x, name, {"x": x})
    getattr(kernels, name)(x, out, axis)
    return out


def _inplace(name: str, x, axis, backend) -> np.ndarray:
    if _validate.on_device(x):
        return resolve_device(backend, name + "_").softmax_on_device(name + "_", x, axis, None, in_place=True,
                                                                      kind=name)
    kernels = resolve(backend)
    _validate.check_writable_float(x, "x", name + "_")
    axis = _validate.normalize_axis(axis, x.ndim, name + "_")
    getattr(kernels, name)(x, x, axis)
    return x


def _backward(name: str, grad, y, axis, out, backend) -> np.ndarray:
    function = name + "_backward"
    if _validate.on_device(grad) or _validate.on_device(y):
        return resolve_device(backend, function).softmax_backward_on_device(function, grad, y, axis, out,
                                                                            kind=name + "_vjp")
    kernels = resolve(backend)
    g = _validate.as_input(grad, "grad", function)
    y = _validate.as_input(y, "y", function)
    _validate.same_shape_and_dtype(function, ("grad", g), ("y", y))
    axis = _validate.normalize_axis(axis, y.ndim, function)
    out = _validate.output(out, g, function, {"grad": g, "y": y})
    getattr(kernels, name + "_vjp")(g, y, out, axis)
    return out


def log_softmax(x: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None,
                backend: str | None = None) -> np.ndarray:
    """Log-softmax along ``axis``: y_i = x_i − m − log Σ_j e^(x_j − m), m = max_j x_j.

    Parameters
    ----------
    x : array_like
        The input (float32, float64; integers and bools are computed in float64).
    axis : int, default -1
    out : ndarray, optional
        Where to write y; may be ``x`` itself.
    backend : {"auto", "numba", "cython", "cuda", "numpy"}, optional

    Notes
    -----
    Subtracting m keeps every exponential ≤ 1 and the sum ≥ 1, so nothing overflows and the
    logarithm never sees 0. A row holding +inf is NaN; −inf entries give −inf (as PyTorch).
    Backward: :func:`log_softmax_backward`, dL/dx = g − e^y·Σ g.

    Examples
    --------
    >>> import numpy as np, fastact
    >>> fastact.log_softmax(np.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    return _forward("log_softmax", x, axis, out, backend)


def log_softmax_(x: np.ndarray, axis: int = -1, *, backend: str | None = None) -> np.ndarray:
    """In-place log-softmax along ``axis``: x ← log_softmax(x); returns x."""
    return _inplace("log_softmax", x, axis, backend)


def log_softmax_backward(grad: ArrayLike, y: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None,
                         backend: str | None = None) -> np.ndarray:
    """Backward pass of log-softmax from its output y: dL/dx = grad − e^y·Σ grad (along ``axis``).

    Examples
    --------
    >>> import numpy as np, fastact
    >>> y = fastact.log_softmax(np.array([0.0, 0.0]))
    >>> fastact.log_softmax_backward(np.array([1.0, 0.0]), y)
    array([ 0.5, -0.5])
    """
    return _backward("log_softmax", grad, y, axis, out, backend)


def log_softmax_jacobian(x: ArrayLike, axis: int = -1, *, backend: str | None = None) -> np.ndarray:
    """The Jacobian of log-softmax: ∂y_i/∂x_j = δ_ij − softmax(x)_j, shape ``x.shape + (n,)``."""
    s = softmax(x, axis, backend=backend)
    axis = _validate.normalize_axis(axis, s.ndim, "log_softmax_jacobian")
    rows = _layout.axis_last(s, axis)
    eye = np.eye(rows.shape[-1], dtype=s.dtype)
    return _layout.jacobian_axis_back(eye - rows[..., None, :], s.shape, axis)


def softmin(x: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None,
            backend: str | None = None) -> np.ndarray:
    """Softmin along ``axis``: softmax(−x), y_i = e^(m − x_i)/Σ_j e^(m − x_j), m = min_j x_j.

    Parameters
    ----------
    x : array_like
    axis : int, default -1
    out : ndarray, optional
        Where to write y; may be ``x`` itself.
    backend : {"auto", "numba", "cython", "cuda", "numpy"}, optional

    Notes
    -----
    A row holding −inf is NaN (inf − inf), as PyTorch. Backward: :func:`softmin_backward`,
    dL/dx = −y ⊙ (g − Σ g·y).

    Examples
    --------
    >>> import numpy as np, fastact
    >>> fastact.softmin(np.array([1.0, 2.0]))
    array([0.73105858, 0.26894142])
    """
    return _forward("softmin", x, axis, out, backend)


def softmin_(x: np.ndarray, axis: int = -1, *, backend: str | None = None) -> np.ndarray:
    """In-place softmin along ``axis``: x ← softmin(x); returns x."""
    return _inplace("softmin", x, axis, backend)


def softmin_backward(grad: ArrayLike, y: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None,
                     backend: str | None = None) -> np.ndarray:
    """Backward pass of softmin from its output y: dL/dx = −y ⊙ (grad − Σ grad·y) (along ``axis``).

    Examples
    --------
    >>> import numpy as np, fastact
    >>> y = fastact.softmin(np.array([0.0, 0.0]))
    >>> fastact.softmin_backward(np.array([1.0, 0.0]), y)
    array([-0.25,  0.25])
    """
    return _backward("softmin", grad, y, axis, out, backend)


def softmin_jacobian(x: ArrayLike, axis: int = -1, *, backend: str | None = None) -> np.ndarray:
    """The Jacobian of softmin: J = −(diag(y) − y·yᵀ), shape ``x.shape + (n,)``."""
    y = softmin(x, axis, backend=backend)
    axis = _validate.normalize_axis(axis, y.ndim, "softmin_jacobian")
    rows = _layout.axis_last(y, axis)
    eye = np.eye(rows.shape[-1], dtype=y.dtype)
    jac = rows[..., :, None] * rows[..., None, :] - np.einsum("...i,ij->...ij", rows, eye)
    return _layout.jacobian_axis_back(jac, y.shape, axis)


