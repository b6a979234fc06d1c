"""Scalar activation formulas: the single source of truth for every compiled backend.

Each activation ``NAME`` defines, as ``numba.extending.register_jitable`` functions that
the parallel CPU loops (:mod:`fastact._numba.loops`) and the CUDA kernels both inline:

``NAME_forward(x, p)``
    f(x).
``NAME_derivative(x, p)``
    f'(x).
``NAME_vjp(g, x, p)``
    g * f'(x), written with selects so that a zero derivative blocks an infinite or NaN
    ``g`` exactly as PyTorch's backward does.
``NAME_vjp_from_y(g, y, p)`` (where the output determines the derivative)
    g * f'(x) computed from y = f(x).
``NAME_param_vjp(g, x, p, k)`` (activations with learnable parameters)
    g * df/dp[k], the contribution of one element to the gradient of parameter ``p[k]``.

``p`` is a tuple of the activation's parameters, already cast to the dtype of ``x`` by
:mod:`fastact._catalog`, so float32 arithmetic stays float32. Constants are built with
``T = type(x)`` for the same reason. The element-wise formulas never branch on data in a way
that changes the result type; a NaN input yields NaN in every function (the derivative of a
function at NaN is undefined, so it is NaN too, unlike PyTorch's pass-through at kinks).
"""

from numba.extending import register_jitable

from fastact._kernels.exact import two_product, two_sum
from fastact._kernels.vmath import exp, expm1, tanh

#: Scalar functions are always inlined into the loops that call them: LLVM's own inliner
#: declines the larger ones, and a call in the loop body stops vectorization.
jitable = register_jitable(forceinline=True)


@jitable
def _sigmoid_parts(z):
    """Return (e, s) with e = exp(-|z|) and s = 1 / (1 + e); both never overflow.

    sigmoid(z) = s for z >= 0 and e * s for z < 0; sigmoid'(z) = e * s * s for all z.
    Arguments that are a rounded product or sum z come with their rounding error dz
    (:mod:`fastact._kernels.exact`): without it, e^z loses |z| * eps of relative accuracy.
    """
    T = type(z)
    e = exp(-abs(z))
    return e, T(1) / (T(1) + e)


@jitable
def _sigmoid(z, dz):
    """sigma(z + dz) for a rounding error dz (|dz| <= ulp(z)/2): sigma(z) + dz * sigma'(z)."""
    e, s = _sigmoid_parts(z)
    return (s if z >= 0 else e * s) + dz * (e * s * s)


@jitable
def _sigmoid_slope(z, dz):
    """sigma'(z + dz) = sigma'(z) * (1 + dz * (1 - 2 sigma(z))), where
    sigma'(z) = e s^2 (no cancellation of 1 - sigma) and 1 - 2 sigma(z) = -sign(z) (1 - e) s."""
    T = type(z)
    e, s = _sigmoid_parts(z)
    d = e * s * s
    c = (T(1) - e) * s
    return d + dz * d * (-c if z >= 0 else c)


# --- sigmoid(x, slope): sigma(a x) --------------------------------------------------------


@jitable
def sigmoid_forward(x, p):
    z, dz = two_product(p[0], x)
    return _sigmoid(z, dz)


@jitable
def sigmoid_derivative(x, p):
    z, dz = two_product(p[0], x)
    return p[0] * _sigmoid_slope(z, dz)


@jitable
def sigmoid_vjp(g, x, p):
    return g * sigmoid_derivative(x, p)


@jitable
def sigmoid_vjp_from_y(g, y, p):
    T = type(y)
    return g * (p[0] * y * (T(1) - y))


@jitable
def sigmoid_param_vjp(g, x, p, k):
    """d/da sigma(a x) = x * sigma'(a x); 0 where sigma' underflows to 0, even at x = +-inf."""
    T = type(x)
    z, dz = two_product(p[0], x)
    d = _sigmoid_slope(z, dz)
    return T(0) if d == 0 else g * x * d


# --- tanh -----------------------------------------------------------------------------------


@jitable
def tanh_forward(x, p):
    return tanh(x)


@jitable
def tanh_derivative(x, p):
    """1 - tanh(x)^2 = 4 e / (1 + e)^2 with e = exp(-2|x|): no cancellation for large |x|."""
    T = type(x)
    return T(4) * _sigmoid_slope(T(2) * x, T(0))


@jitable
def tanh_vjp(g, x, p):
    return g * tanh_derivative(x, p)


@jitable
def tanh_vjp_from_y(g, y, p):
    T = type(y)
    return g * ((T(1) - y) * (T(1) + y))


# --- msaf(x, r, offset): offset + sum_k sigma(x + r_k); p = (offset, r_0, ..., r_{K-1}) -----


@jitable
def msaf_forward(x, p):
    acc = p[0]
    for k in range(1, len(p)):
        z, dz = two_sum(x, p[k])
        acc += _sigmoid(z, dz)
    return acc


@jitable
def msaf_derivative(x, p):
    T = type(x)
    acc = T(0)
    for k in range(1, len(p)):
        z, dz = two_sum(x, p[k])
        acc += _sigmoid_slope(z, dz)
    return acc


@jitable
def msaf_vjp(g, x, p):
    return g * msaf_derivative(x, p)


@jitable
def msaf_param_vjp(g, x, p, k):
    """d/d offset = 1 (k = 0; NaN where x is NaN); d/d r_k = sigma'(x + r_k)."""
    if k == 0:
        return g if x == x else x
    z, dz = two_sum(x, p[k])
    return g * _sigmoid_slope(z, dz)


# --- sym_msaf(x, r): -1 + sigma(x) + sigma(x + r) = sigma(x + r) - sigma(-x); p = (r,) ----


@jitable
def sym_msaf_forward(x, p):
    T = type(x)
    z, dz = two_sum(x, p[0])
    return _sigmoid(z, dz) - _sigmoid(-x, T(0))


@jitable
def sym_msaf_derivative(x, p):
    T = type(x)
    z, dz = two_sum(x, p[0])
    return _sigmoid_slope(x, T(0)) + _sigmoid_slope(z, dz)


@jitable
def sym_msaf_vjp(g, x, p):
    return g * sym_msaf_derivative(x, p)


@jitable
def sym_msaf_param_vjp(g, x, p, k):
    z, dz = two_sum(x, p[0])
    return g * _sigmoid_slope(z, dz)


# --- relu: 0 if x < 0 else x (relu(-0) = -0 and relu(NaN) = NaN, as PyTorch) --------------


@jitable
def relu_forward(x, p):
    T = type(x)
    return T(0) if x < 0 else x


@jitable
def relu_derivative(x, p):
    T = type(x)
    return T(1) if x > 0 else (T(0) if x <= 0 else x)


@jitable
def relu_vjp(g, x, p):
    T = type(x)
    return g if x > 0 else (T(0) if x <= 0 else x)


@jitable
def relu_vjp_from_y(g, y, p):
    return relu_vjp(g, y, p)


# --- leaky_relu(x, negative_slope): x if x > 0 else b x; p = (b,) ---------------------------


@jitable
def leaky_relu_forward(x, p):
    return x if x > 0 else p[0] * x


@jitable
def leaky_relu_derivative(x, p):
    T = type(x)
    return T(1) if x > 0 else (p[0] if x <= 0 else x)


@jitable
def leaky_relu_vjp(g, x, p):
    return g if x > 0 else (g * p[0] if x <= 0 else x)


@jitable
def leaky_relu_vjp_from_y(g, y, p):
    """Valid for b > 0, where y > 0 exactly when x > 0."""
    return leaky_relu_vjp(g, y, p)


@jitable
def leaky_relu_param_vjp(g, x, p, k):
    T = type(x)
    return T(0) if x > 0 else g * x


# --- elu(x, alpha): x if x > 0 else alpha expm1(x); p = (alpha,) ----------------------------


@jitable
def elu_forward(x, p):
    return x if x > 0 else p[0] * expm1(x)


@jitable
def elu_derivative(x, p):
    T = type(x)
    return T(1) if x > 0 else p[0] * exp(x)


@jitable
def elu_vjp(g, x, p):
    return g if x > 0 else g * (p[0] * exp(x))


@jitable
def elu_vjp_from_y(g, y, p):
    """For alpha >= 0: y > 0 exactly when x > 0, and alpha e^x = y + alpha below."""
    return g if y > 0 else g * (y + p[0])


@jitable
def elu_param_vjp(g, x, p, k):
    T = type(x)
    return T(0) if x > 0 else g * expm1(x)
