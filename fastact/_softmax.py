"""softmax along an axis, its in-place form, its backward pass and its Jacobian."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fastact import _layout, _validate
from fastact._dispatch import resolve, resolve_device


def softmax(x: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None,
            backend: str | None = None) -> np.ndarray:
    """Softmax along ``axis``.

        y_i = e^(x_i − m) / Σ_j e^(x_j − m),   m = max_j x_j

    Parameters
    ----------
    x : array_like
        The input (float32, float64; integers and bools are computed in float64). A 0-d
        array is one row of one element.
    axis : int, default -1
        The axis along which the entries sum to 1.
    out : ndarray, optional
        Where to write y: shape and dtype must match; may be ``x`` itself.
    backend : {"auto", "numba", "cython", "cuda", "numpy"}, optional

    Returns
    -------
    ndarray

    Notes
    -----
    Subtracting the row maximum m keeps e^(x − m) ≤ 1, so nothing overflows. NaN anywhere in
    a row makes the row NaN; a row holding +inf is NaN (inf − inf), as in PyTorch.
    The Jacobian is J = diag(y) − y yᵀ (:func:`softmax_jacobian`); the backward pass is
    :func:`softmax_backward`.

    Examples
    --------
    >>> import numpy as np, fastact
    >>> fastact.softmax(np.array([1.0, 2.0, 3.0]))
    array([0.09003057, 0.24472847, 0.66524096])
    """
    if type(x) is not np.ndarray and _validate.on_device(x):
        return resolve_device(backend, "softmax").softmax_on_device("softmax", x, axis, out)
    kernels = resolve(backend)
    x = _validate.as_input(x, "x", "softmax")
    axis = _validate.normalize_axis(axis, x.ndim, "softmax")
    out = _validate.output(out, x, "softmax", {"x": x})
    kernels.softmax(x, out, axis)
    return out


def softmax_(x: np.ndarray, axis: int = -1, *, backend: str | None = None) -> np.ndarray:
    """In-place softmax along ``axis``: x ← softmax(x); returns x. See :func:`softmax`."""
    if type(x) is not np.ndarray and _validate.on_device(x):
        return resolve_device(backend, "softmax_").softmax_on_device("softmax_", x, axis, None, in_place=True)
    kernels = resolve(backend)
    _validate.check_writable_float(x, "x", "softmax_")
    axis = _validate.normalize_axis(axis, x.ndim, "softmax_")
    kernels.softmax(x, x, axis)
    return x


def softmax_backward(grad: ArrayLike, y: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None,
                     backend: str | None = None) -> np.ndarray:
    """Backward pass of softmax from its output: dL/dx = y ⊙ (grad − Σ grad ⊙ y).

    The vector-Jacobian product with J = diag(y) − y yᵀ, without forming J.

    Parameters
    ----------
    grad : array_like
        dL/dy, same shape and dtype as y.
    y : array_like
        The output of :func:`softmax` along the same axis.
    axis : int, default -1
    out : ndarray, optional
        Where to write dL/dx; may be ``grad`` itself.
    backend : {"auto", "numba", "cython", "cuda", "numpy"}, optional

    Examples
    --------
    >>> import numpy as np, fastact
    >>> y = fastact.softmax(np.array([0.0, 0.0]))
    >>> fastact.softmax_backward(np.array([1.0, 0.0]), y)
    array([ 0.25, -0.25])
    """
    if (type(grad) is not np.ndarray or type(y) is not np.ndarray) and \
            (_validate.on_device(grad) or _validate.on_device(y)):
        return resolve_device(backend, "softmax_backward").softmax_backward_on_device(
            "softmax_backward", grad, y, axis, out)
    kernels = resolve(backend)
    g = _validate.as_input(grad, "grad", "softmax_backward")
    y = _validate.as_input(y, "y", "softmax_backward")
    _validate.same_shape_and_dtype("softmax_backward", ("grad", g), ("y", y))
    axis = _validate.normalize_axis(axis, y.ndim, "softmax_backward")
    out = _validate.output(out, g, "softmax_backward", {"grad": g, "y": y})
    kernels.softmax_vjp(g, y, out, axis)
    return out


def softmax_jacobian(x: ArrayLike, axis: int = -1, *, backend: str | None = None) -> np.ndarray:
    """The Jacobian of softmax along ``axis``: J = diag(y) − y yᵀ, y = softmax(x).

    Returns an array of shape ``x.shape + (n,)``, n = ``x.shape[axis]``, with
    ``J[..., i, ..., j] = ∂y_i / ∂x_j`` where i indexes ``axis`` and j the new last axis.
    It holds n times as many numbers as x: for training, use :func:`softmax_backward`.

    Examples
    --------
    >>> import numpy as np, fastact
    >>> fastact.softmax_jacobian(np.array([0.0, 0.0]))
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    if type(x) is not np.ndarray and _validate.on_device(x):
        raise TypeError("softmax_jacobian: GPU arrays are not supported (the Jacobian holds n times "
                        "as many numbers as x); use softmax_backward, or pass a host array")
    y = softmax(x, axis, backend=backend)
    axis = _validate.normalize_axis(axis, y.ndim, "softmax_jacobian")
    rows = _layout.axis_last(y, axis)
    jac = np.einsum("...i,ij->...ij", rows, np.eye(rows.shape[-1], dtype=y.dtype)) - rows[..., :, None] * rows[..., None, :]
    return _layout.jacobian_axis_back(jac, y.shape, axis)
