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
        return _sigma(x + r) - _sigma(-x)  # = −1 + σ(x) + σ(x + r); exactly 0 at x = −r/2

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


# --- the modern set ---------------------------------------------------------------------------

_PI = np.longdouble("3.14159265358979323846264338327950288")
_SELU_SCALE = np.longdouble("1.0507009873554804934193349852946")
_SELU_ALPHA = np.longdouble("1.6732632423543772848170429916717")
#: λ·α as float64 hi + lo: y + hi is exact where y + λα cancels (backward from y).
_SELU_SCALE_ALPHA = (np.longdouble(1.7580993408473768), np.longdouble(1.41535193800845e-17))


def _erfcx(z):
    """e^(z²)·erfc(z) for z ≥ 0: e^(z²) − (2/√π)·Σ z(2z²)ⁿ/(2n+1)!! below 2 (the series of
    erf, at most 8 bits of cancellation), the continued fraction of erfc from 2 on."""
    small_z = np.minimum(z, 2)
    term = small_z.copy()
    series = small_z.copy()
    for n in range(1, 90):
        term = term * (2 * small_z * small_z) / (2 * n + 1)
        series = series + term
    small = np.exp(small_z * small_z) - 2 / np.sqrt(_PI) * series
    large_z = np.maximum(z, 2)
    fraction = large_z.copy()
    for k in range(300, 0, -1):  # z + (1/2)/(z + 1/(z + (3/2)/(z + …)))
        fraction = large_z + (np.longdouble(k) / 2) / fraction
    large = 1 / (fraction * np.sqrt(_PI))
    return np.where(z < 2, small, np.where(np.isinf(z), 0.0, large))


def _exp_minus_half_square(x):
    """e^(−x²/2) with x² exact: x = h + l, h holding 26 bits, so h², h·l and l² are exact."""
    finite = np.where(np.isfinite(x), x, 0.0)
    exponent = np.frexp(finite)[1]
    h = np.ldexp(np.round(np.ldexp(finite, 26 - exponent)), exponent - 26)
    l = finite - h
    e = np.exp(-h * h / 2) * np.exp(-h * l) * np.exp(-l * l / 2)
    return np.where(np.abs(x) > 200, 0.0, np.where(np.isnan(x), np.nan, e))  # e^(−20000) = 0


def _normal_cdf_pdf(x):
    """(Φ(x), φ(x)), Φ(−|x|) = ½·e^(−x²/2)·erfcx(|x|/√2)."""
    e = _exp_minus_half_square(x)
    tail = e / 2 * _erfcx(np.abs(x) / np.sqrt(np.longdouble(2)))
    return np.where(x <= 0, tail, 1 - tail), e / np.sqrt(2 * _PI)


def _limit_zero(x, factor):
    """x·factor with the limit 0 where factor vanishes (x = ±inf)."""
    return np.where(factor == 0, 0.0, x * factor)


class Selu(Formulas):
    def forward(self, x):
        return np.where(x > 0, _SELU_SCALE * x, _SELU_SCALE * _SELU_ALPHA * np.expm1(x))

    def derivative(self, x):
        return np.where(x > 0, _SELU_SCALE, _SELU_SCALE * _SELU_ALPHA * np.exp(x))

    def derivative_from_y(self, y):
        return np.where(y > 0, _SELU_SCALE, (y + _SELU_SCALE_ALPHA[0]) + _SELU_SCALE_ALPHA[1])


class Celu(Formulas):
    def forward(self, x, alpha):
        return np.where(x > 0, x, alpha * np.expm1(x / alpha))

    def derivative(self, x, alpha):
        return np.where(x > 0, 1.0, np.exp(x / alpha))

    def derivative_from_y(self, y, alpha):
        return np.where(y > 0, 1.0, y / alpha + 1)

    def param_derivatives(self, x, alpha):
        q = x / alpha
        series = sum((1 - n) / np.longdouble(np.prod(np.arange(1, n + 1, dtype=np.longdouble))) * q ** n
                     for n in range(2, 30))
        direct = np.expm1(q) - _limit_zero(q, np.exp(q))
        return {"alpha": np.where(x > 0, 0.0, np.where(np.abs(q) <= 1, series, direct))}


class Gelu(Formulas):
    C = np.sqrt(2 / _PI)
    K = np.longdouble("0.044715")

    def _tanh_arg(self, x):
        return 2 * self.C * (x + self.K * x ** 3)

    def forward(self, x, approximate):
        cdf = _sigma(self._tanh_arg(x)) if approximate == "tanh" else _normal_cdf_pdf(x)[0]
        return np.where(cdf == 0, -0.0, x * cdf)

    def derivative(self, x, approximate):
        if approximate == "tanh":
            w = self._tanh_arg(x)
            return _sigma(w) + _limit_zero(x * 2 * self.C * (1 + 3 * self.K * x * x), _sigma_slope(w))
        cdf, pdf = _normal_cdf_pdf(x)
        return cdf + _limit_zero(x, pdf)


class Silu(Formulas):
    def forward(self, x):
        s = _sigma(x)
        return np.where(s == 0, -0.0, x * s)

    def derivative(self, x):
        return _sigma(x) + _limit_zero(x, _sigma_slope(x))


class Swish(Formulas):
    def forward(self, x, beta):
        s = _sigma(beta * x)
        return np.where(s == 0, -0.0, x * s)

    def derivative(self, x, beta):
        return _sigma(beta * x) + _limit_zero(beta * x, _sigma_slope(beta * x))

    def param_derivatives(self, x, beta):
        return {"beta": _limit_zero(x, _limit_zero(x, _sigma_slope(beta * x)))}


class Mish(Formulas):
    def forward(self, x):
        t = np.tanh(np.logaddexp(0, x))
        return np.where(t == 0, -0.0, x * t)

    def derivative(self, x):
        t = np.tanh(np.logaddexp(0, x))
        return t + _limit_zero(x, _sigma(x) * (1 - t) * (1 + t))


class Softplus(Formulas):
    def forward(self, x, beta, threshold):
        return np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)

    def derivative(self, x, beta, threshold):
        return np.where(beta * x > threshold, 1.0, _sigma(beta * x))

    def derivative_from_y(self, y, beta, threshold):
        return np.where(beta * y > threshold, 1.0, -np.expm1(-beta * y))

    def param_derivatives(self, x, beta, threshold):
        z = beta * x
        a = np.abs(z)  # z·σ(z) − log(1 + e^z), without its cancellation for large |z|
        h = -(_limit_zero(a, _sigma(-a)) + np.log1p(np.exp(-a)))
        return {"beta": np.where(z > threshold, 0.0, h / (beta * beta))}


class Softsign(Formulas):
    def forward(self, x):
        return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))

    def derivative(self, x):
        return 1 / (1 + np.abs(x)) ** 2

    def derivative_from_y(self, y):
        return (1 - np.abs(y)) ** 2


class Hardtanh(Formulas):
    def forward(self, x, min_val, max_val):
        return np.where(x < min_val, min_val, np.where(x > max_val, max_val, x))

    def derivative(self, x, min_val, max_val):
        return _nan_where_nan(x, np.where((x > min_val) & (x < max_val), 1.0, 0.0))

    derivative_from_y = derivative

    def vjp(self, g, x, min_val, max_val):
        return _nan_where_nan(x, np.where((x > min_val) & (x < max_val), g, 0.0))

    vjp_from_y = vjp


class Relu6(Formulas):
    def forward(self, x):
        return Hardtanh().forward(x, 0, 6)

    def derivative(self, x):
        return Hardtanh().derivative(x, 0, 6)

    derivative_from_y = derivative

    def vjp(self, g, x):
        return Hardtanh().vjp(g, x, 0, 6)

    vjp_from_y = vjp


class Hardsigmoid(Formulas):
    def forward(self, x):
        return Relu6().forward(x + 3) / 6

    def derivative(self, x):
        return Hardtanh().derivative(x, -3, 3) / 6

    def derivative_from_y(self, y):
        return Hardtanh().derivative(y, 0, 1) / 6

    def vjp(self, g, x):
        return Hardtanh().vjp(g / 6, x, -3, 3)

    def vjp_from_y(self, g, y):
        return Hardtanh().vjp(g / 6, y, 0, 1)


class Hardswish(Formulas):
    def forward(self, x):
        r = Relu6().forward(x + 3)
        return np.where(r == 0, -0.0, x * r / 6)

    def derivative(self, x):
        return _nan_where_nan(x, np.where(x <= -3, 0.0, np.where(x < 3, x / 3 + 0.5, 1.0)))

    def vjp(self, g, x):
        return np.where(x <= -3, 0.0, g * self.derivative(x))


class LogSigmoid(Formulas):
    def forward(self, x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    def derivative(self, x):
        return _sigma(-x)

    def derivative_from_y(self, y):
        return -np.expm1(y)


class Threshold(Formulas):
    def forward(self, x, threshold, value):
        return np.where(x > threshold, x, np.where(np.isnan(x), x, value))

    def derivative(self, x, threshold, value):
        return _nan_where_nan(x, np.where(x > threshold, 1.0, 0.0))

    derivative_from_y = derivative

    def vjp(self, g, x, threshold, value):
        return _nan_where_nan(x, np.where(x > threshold, g, 0.0))

    vjp_from_y = vjp


FORMULAS: dict[str, Formulas] = {
    "sigmoid": Sigmoid(), "tanh": Tanh(), "msaf": Msaf(), "sym_msaf": SymMsaf(),
    "relu": Relu(), "leaky_relu": LeakyRelu(), "elu": Elu(), "selu": Selu(), "celu": Celu(),
    "gelu": Gelu(), "silu": Silu(), "swish": Swish(), "mish": Mish(), "softplus": Softplus(),
    "softsign": Softsign(), "hardtanh": Hardtanh(), "relu6": Relu6(), "hardsigmoid": Hardsigmoid(),
    "hardswish": Hardswish(), "log_sigmoid": LogSigmoid(), "threshold": Threshold(),
}


def _params(spec: Activation, values: tuple, dtype: np.dtype) -> dict:
    """The parameters as the kernels see them: rounded to the data's dtype."""
    def cast(v):
        if isinstance(v, str):
            return v
        return tuple(np.longdouble(dtype.type(vk)) for vk in v) if isinstance(v, tuple) else np.longdouble(dtype.type(v))
    return {p.name: cast(v) for p, v in zip(spec.params, values)}


def _wide(*arrays):
    return [np.asarray(a, dtype=np.longdouble) for a in arrays]


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray | None, values: tuple) -> np.ndarray:
    """Compute ``op`` ("forward", "derivative", "vjp" or "vjp_from_y") of ``spec`` into ``out``
    (None: a new array) and return it."""
    if out is None:
        out = np.empty_like(arrays[0])
    formulas = FORMULAS[spec.name]
    params = _params(spec, values, out.dtype)
    with np.errstate(all="ignore"):
        result = getattr(formulas, op)(*_wide(*arrays), **params)
        np.copyto(out, result, casting="unsafe")
    return out


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


def log_softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """y = x − m − log Σ e^(x − m), m the maximum along ``axis``."""
    (wide,) = _wide(x)
    with np.errstate(all="ignore"):
        shifted = wide - np.max(wide, axis=axis, keepdims=True) if x.size else wide
        np.copyto(out, shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)), casting="unsafe")


def log_softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = g − e^y·Σ g along ``axis``."""
    gw, yw = _wide(g, y)
    with np.errstate(all="ignore"):
        np.copyto(out, gw - np.exp(yw) * np.sum(gw, axis=axis, keepdims=True), casting="unsafe")


def softmin(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """y = softmax(−x) along ``axis``."""
    softmax(-x, out, axis)


def softmin_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = −y ⊙ (g − Σ g·y) along ``axis``."""
    gw, yw = _wide(g, y)
    with np.errstate(all="ignore"):
        np.copyto(out, -yw * (gw - np.sum(gw * yw, axis=axis, keepdims=True)), casting="unsafe")


def _channel_weight(weight: np.ndarray, ndim: int, axis: int):
    """The slopes in extended precision, shaped to broadcast along ``axis``."""
    (w,) = _wide(weight)
    if weight.size == 1:
        return w.reshape(())
    return w.reshape([-1 if d == axis else 1 for d in range(ndim)])


def prelu(op: str, arrays: tuple, weight: np.ndarray, out: np.ndarray, axis: int) -> None:
    """PReLU: f = x if x > 0 else w·x; f′ = 1 if x > 0 else w (NaN at NaN); vjp = g·f′."""
    w = _channel_weight(weight, out.ndim, axis)
    *g, x = _wide(*arrays)
    with np.errstate(all="ignore"):
        if op == "forward":
            result = np.where(x > 0, x, w * x)
        else:
            slope = _nan_where_nan(x, np.where(x > 0, 1.0, w))
            result = slope * g[0] if op == "vjp" else slope
    np.copyto(out, result, casting="unsafe")


def prelu_weight_grad(g: np.ndarray, x: np.ndarray, weight: np.ndarray, axis: int) -> np.ndarray:
    """Σ g·x over the elements x ≤ 0 of each channel, in extended precision."""
    gw, xw = _wide(g, x)
    with np.errstate(all="ignore"):
        terms = np.where(xw > 0, 0.0, gw * xw)
    if weight.size == 1:
        return np.array([np.sum(terms)], dtype=x.dtype)
    other = tuple(d for d in range(x.ndim) if d != axis)
    return np.sum(terms, axis=other).astype(x.dtype)
