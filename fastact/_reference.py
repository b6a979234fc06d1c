"""The NumPy reference backend: every formula of REFERENCE.md written for clarity.

This is the oracle of the tests. Each function computes in ``numpy.longdouble`` (80-bit
extended precision on x86; the extra precision makes float32 and float64 results correctly
rounded in practice) and returns the input's dtype.
Overflow to inf and inf − inf are part of the intended semantics, so floating-point
warnings are silenced inside the formulas.
"""

from __future__ import annotations

import numpy as np

from fastact._catalog import Activation


def _sigma(z):
    """σ(z) = 1 / (1 + e^(−z)), stable for both signs."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _sigma_slope(z):
    """σ′(z) = σ(z)·σ(−z)."""
    return _sigma(z) * _sigma(-z)


def _nan_where_nan(x, value):
    """``value``, but NaN wherever ``x`` is NaN (a derivative at NaN is undefined)."""
    return np.where(np.isnan(x), np.nan, value)


class Formulas:
    """f, f′ and the parameter derivatives of one activation, on extended-precision arrays."""

    def forward(self, x, **params):
        raise NotImplementedError

    def derivative(self, x, **params):
        raise NotImplementedError

    def derivative_from_y(self, y, **params):
        raise NotImplementedError(f"{type(self).__name__} has no derivative from y")

    def param_derivatives(self, x, **params):
        """dict: parameter name → ∂f/∂parameter (one array per vector entry)."""
        return {}

    def vjp(self, g, x, **params):
        """g·f′(x)."""
        return g * self.derivative(x, **params)

    def vjp_from_y(self, g, y, **params):
        return g * self.derivative_from_y(y, **params)


class Sigmoid(Formulas):
    def forward(self, x, slope):
        return _sigma(slope * x)

    def derivative(self, x, slope):
        return slope * _sigma_slope(slope * x)

    def derivative_from_y(self, y, slope):
        return slope * y * (1 - y)

    def param_derivatives(self, x, slope):
        d = _sigma_slope(slope * x)
        return {"slope": np.where(d == 0, 0.0, x * d)}  # the limit x·σ′(ax) → 0 as |x| → inf


class Tanh(Formulas):
    def forward(self, x):
        return np.tanh(x)

    def derivative(self, x):
        return 1 / np.cosh(x) ** 2

    def derivative_from_y(self, y):
        return (1 - y) * (1 + y)


class Msaf(Formulas):
    def forward(self, x, r, offset):
        return offset + sum(_sigma(x + rk) for rk in np.atleast_1d(r))

    def derivative(self, x, r, offset):
        return sum(_sigma_slope(x + rk) for rk in np.atleast_1d(r))

    def param_derivatives(self, x, r, offset):
        return {"r": [_sigma_slope(x + rk) for rk in np.atleast_1d(r)],
                "offset": _nan_where_nan(x, np.ones_like(x))}


class SymMsaf(Formulas):
    def forward(self, x, r):
        return -1 + _sigma(x) + _sigma(x + r)

    def derivative(self, x, r):
        return _sigma_slope(x) + _sigma_slope(x + r)

    def param_derivatives(self, x, r):
        return {"r": _sigma_slope(x + r)}


class Relu(Formulas):
    def forward(self, x):
        return np.where(x < 0, 0.0, x)

    def derivative(self, x):
        return _nan_where_nan(x, np.where(x > 0, 1.0, 0.0))

    derivative_from_y = derivative

    def vjp(self, g, x):
        """g where x > 0, else 0 even where g is inf or NaN (as PyTorch); NaN where x is NaN."""
        return _nan_where_nan(x, np.where(x > 0, g, 0.0))

    vjp_from_y = vjp


class LeakyRelu(Formulas):
    def forward(self, x, negative_slope):
        return np.where(x > 0, x, negative_slope * x)

    def derivative(self, x, negative_slope):
        return _nan_where_nan(x, np.where(x > 0, 1.0, negative_slope))

    derivative_from_y = derivative

    def param_derivatives(self, x, negative_slope):
        return {"negative_slope": np.where(x > 0, 0.0, x)}


class Elu(Formulas):
    def forward(self, x, alpha):
        return np.where(x > 0, x, alpha * np.expm1(x))

    def derivative(self, x, alpha):
        return np.where(x > 0, 1.0, alpha * np.exp(x))

    def derivative_from_y(self, y, alpha):
        return np.where(y > 0, 1.0, y + alpha)

    def param_derivatives(self, x, alpha):
        return {"alpha": np.where(x > 0, 0.0, np.expm1(x))}


FORMULAS: dict[str, Formulas] = {
    "sigmoid": Sigmoid(), "tanh": Tanh(), "msaf": Msaf(), "sym_msaf": SymMsaf(),
    "relu": Relu(), "leaky_relu": LeakyRelu(), "elu": Elu(),
}


def _params(spec: Activation, values: tuple, dtype: np.dtype) -> dict:
    """The parameters as the kernels see them: rounded to the data's dtype."""
    def cast(v):
        return tuple(np.longdouble(dtype.type(vk)) for vk in v) if isinstance(v, tuple) else np.longdouble(dtype.type(v))
    return {p.name: cast(v) for p, v in zip(spec.params, values)}


def _wide(*arrays):
    return [np.asarray(a, dtype=np.longdouble) for a in arrays]


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray, values: tuple) -> None:
    """Compute ``op`` ("forward", "derivative", "vjp" or "vjp_from_y") of ``spec`` into ``out``."""
    formulas = FORMULAS[spec.name]
    params = _params(spec, values, out.dtype)
    with np.errstate(all="ignore"):
        result = getattr(formulas, op)(*_wide(*arrays), **params)
    np.copyto(out, result, casting="unsafe")


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter, summed in extended precision, in x's dtype."""
    gw, xw = _wide(g, x)
    with np.errstate(all="ignore"):
        partials = FORMULAS[spec.name].param_derivatives(xw, **_params(spec, values, x.dtype))

    def total(d):
        return np.sum(gw * d)

    grads = {}
    for name, d in partials.items():
        if isinstance(d, list):
            sums = np.array([total(dk) for dk in d], dtype=x.dtype)
            vector = isinstance(values[spec.param_names.index(name)], tuple)
            grads[name] = sums if vector else sums[0]
        else:
            grads[name] = x.dtype.type(total(d))
    return grads


def softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """y = e^(x − m) / Σ e^(x − m), m the maximum along ``axis``."""
    (wide,) = _wide(x)
    with np.errstate(all="ignore"):
        e = np.exp(wide - np.max(wide, axis=axis, keepdims=True)) if x.size else wide
        np.copyto(out, e / np.sum(e, axis=axis, keepdims=True), casting="unsafe")


def softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = y ⊙ (g − Σ g·y) along ``axis``."""
    gw, yw = _wide(g, y)
    with np.errstate(all="ignore"):
        np.copyto(out, yw * (gw - np.sum(gw * yw, axis=axis, keepdims=True)), casting="unsafe")


def _bias_input(u: np.ndarray, theta: np.ndarray, axis: int) -> np.ndarray:
    """x = u − θ with θ along ``axis``, in u's dtype (as the fused kernels round it)."""
    shape = [1] * u.ndim
    shape[axis] = theta.size
    with np.errstate(all="ignore"):
        return u - theta.reshape(shape)


def bias_act(spec: Activation, u, theta, out, values: tuple, axis: int) -> None:
    """out = f(u − θ), θ along ``axis``."""
    elementwise(spec, "forward", (_bias_input(u, theta, axis),), out, values)


def bias_act_vjp(spec: Activation, g, u, theta, du, values: tuple, axis: int) -> np.ndarray:
    """du = g ⊙ f′(u − θ); returns dθ = −Σ du over every axis but ``axis``."""
    elementwise(spec, "vjp", (g, _bias_input(u, theta, axis)), du, values)
    others = tuple(a for a in range(du.ndim) if a != axis)
    return (-np.sum(du.astype(np.longdouble), axis=others)).astype(du.dtype).reshape(theta.shape)


def bias_param_grads(spec: Activation, g, u, theta, values: tuple, axis: int) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter at x = u − θ."""
    return param_grads(spec, g, _bias_input(u, theta, axis), values)
