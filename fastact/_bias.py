"""The fused neuron v = f(u − θ) and the fused softmax + cross-entropy of a classifier."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from fastact import _validate
from fastact._catalog import ELEMENTWISE, Activation
from fastact._dispatch import resolve, resolve_device


class BiasActGrads(NamedTuple):
    """Gradients of :func:`bias_act_backward`: dL/du, dL/dθ and the activation's parameters."""

    du: np.ndarray
    dtheta: np.ndarray
    params: dict | None


def _activation(name: str, function: str) -> Activation:
    spec = ELEMENTWISE.get(name)
    if spec is None:
        raise ValueError(f"{function}: activation must be one of {sorted(ELEMENTWISE)}; got {name!r}")
    return spec


def _bind(spec: Activation, params: tuple, named: dict, function: str) -> tuple:
    """The activation's parameter values, from positional and keyword arguments and defaults."""
    names = spec.param_names
    if len(params) > len(names):
        raise TypeError(f"{function}: {spec.name} takes {len(names)} parameter(s) {names}, got {len(params)}")
    values = dict(zip(names, params))
    for key, value in named.items():
        if key not in names:
            raise TypeError(f"{function}: {spec.name} has no parameter {key!r}; its parameters: {names}")
        if key in values:
            raise TypeError(f"{function}: parameter {key!r} given twice")
        values[key] = value
    missing = [p.name for p in spec.params if p.name not in values and p.default is None]
    if missing:
        raise TypeError(f"{function}: {spec.name} needs parameter(s) {missing}")
    return spec.validate(tuple(values.get(p.name, p.default) for p in spec.params))


def _inputs(u, theta, axis, function: str):
    u = _validate.as_input(u, "u", function)
    if u.ndim == 0:
        raise ValueError(f"{function}: u must have at least one dimension (the feature axis)")
    axis = _validate.normalize_axis(axis, u.ndim, function)
    theta = _validate.as_input(theta, "theta", function)
    if theta.shape != (u.shape[axis],):
        raise ValueError(f"{function}: theta has shape {theta.shape}, expected ({u.shape[axis]},): "
                         f"one threshold per entry of u's axis {axis}")
    if theta.dtype != u.dtype:
        raise TypeError(f"{function}: theta has dtype {theta.dtype} but u has {u.dtype}; expected the same dtype")
    return u, np.ascontiguousarray(theta), axis


def bias_act(u: ArrayLike, theta: ArrayLike, activation: str, *params, axis: int = -1,
             out: np.ndarray | None = None, backend: str | None = None, **named) -> np.ndarray:
    """The neuron's output v = f(u − θ) in one pass over memory.

    θ (one threshold per feature, the bias with a minus sign) broadcasts along ``axis`` of u.

    Parameters
    ----------
    u : array_like
        The weighted inputs W·s, at least 1-D.
    theta : array_like
        1-D, of length ``u.shape[axis]``, same dtype as u.
    activation : str
        The name of an element-wise activation (``fastact.sigmoid``'s is ``"sigmoid"``).
    *params, **named
        The activation's parameters, positionally in their order or by name.
    axis : int, default -1
        The feature axis.
    out : ndarray, optional
        Where to write v; may be u itself.
    backend : {"auto", "numba", "cython", "cuda", "numpy"}, optional
        GPU arrays (u and θ) compute on the GPU, in place, on the caller's stream.

    Examples
    --------
    >>> import numpy as np, fastact
    >>> fastact.bias_act(np.array([[0.5, 2.0]]), np.array([1.0, 1.0]), "leaky_relu", 0.1)
    array([[-0.05,  1.  ]])
    """
    spec = _activation(activation, "bias_act")
    if _validate.on_device(u) or _validate.on_device(theta):
        values = _bind(spec, params, named, "bias_act")
        return resolve_device(backend, "bias_act").bias_act_on_device(spec, "bias_act", u, theta, values, axis, out)
    kernels = resolve(backend)
    u, theta, axis = _inputs(u, theta, axis, "bias_act")
    values = _bind(spec, params, named, "bias_act")
    out = np.empty_like(u) if out is None else _validate.output(out, u, "bias_act", {"u": u, "theta": theta})
    kernels.bias_act(spec, u, theta, out, values, axis)
    return out


def bias_act_backward(grad: ArrayLike, u: ArrayLike | None, theta: ArrayLike, activation: str, *params,
                      axis: int = -1, y: ArrayLike | None = None, backend: str | None = None,
                      **named) -> BiasActGrads:
    """Backward pass of :func:`bias_act`: dL/du, dL/dθ and the parameter gradients.

        dL/du = grad ⊙ f′(u − θ),   dL/dθ_c = −Σ dL/du over every axis but ``axis``

    From u and θ, dL/du and dL/dθ come out of one pass (block sums in a fixed order, added
    with compensation: the same result for every thread count). With ``y``, the forward output, where it determines f′, f′ is not recomputed
    and u may be None (a layer then need not keep u). Parameter gradients (activations with
    learnable parameters) take a second pass over u; they are None when u is not given.
    For GPU arrays, dL/du is a GPU array and dL/dθ and the parameter gradients NumPy values.

    Examples
    --------
    >>> import numpy as np, fastact
    >>> g = fastact.bias_act_backward(np.ones((2, 2)), np.array([[0.5, 2.0], [3.0, 0.0]]),
    ...                               np.array([1.0, 1.0]), "relu")
    >>> g.du, g.dtheta
    (array([[0., 1.],
           [1., 0.]]), array([-1., -1.]))
    """
    function = "bias_act_backward"
    spec = _activation(activation, function)
    kernels = resolve(backend)
    if u is None and y is None:
        raise TypeError(f"{function}: pass u (the input) or y (the output)")
    if any(_validate.on_device(a) for a in (grad, u, theta, y)):
        values = _bind(spec, params, named, function)
        return BiasActGrads(*resolve_device(backend, function).bias_act_backward_on_device(
            spec, function, grad, u, theta, values, axis, y))
    have_u = u is not None
    g = _validate.as_input(grad, "grad", function)
    u, theta, axis = _inputs(g if u is None else u, theta, axis, function)
    _validate.same_shape_and_dtype(function, ("grad", g), ("u", u))
    values = _bind(spec, params, named, function)
    du = np.empty_like(g)
    if y is None:
        dtheta = kernels.bias_act_vjp(spec, g, u, theta, du, values, axis)
    else:
        y = _validate.as_input(y, "y", function)
        _validate.same_shape_and_dtype(function, ("grad", g), ("y", y))
        spec.check_from_y(values)
        kernels.elementwise(spec, "vjp_from_y", (g, y), du, values)
        others = tuple(a for a in range(du.ndim) if a != axis)
        dtheta = (-np.sum(du, axis=others, dtype=np.float64)).astype(du.dtype)
    if not spec.learnable:
        grads = {}
    else:
        grads = kernels.bias_param_grads(spec, g, u, theta, values, axis) if have_u else None
    return BiasActGrads(du, dtheta, grads)
