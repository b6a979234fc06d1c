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

import math

import numpy as np
from numba.extending import overload, register_jitable

from fastact._kernels.exact import fma, two_product, two_product_finite, two_sum, two_sum_finite
from fastact._kernels import vmath
from fastact._kernels.vmath import exp, exp_scaled, expm1, log1p_unit, tanh

#: Scalar functions are always inlined into the loops that call them: LLVM's own inliner
#: declines the larger ones, and a call in the loop body stops vectorization.
jitable = register_jitable(forceinline=True)


@jitable
def _exp_neg_abs(z):
    """e^(−|z|) as the sigmoid pieces take it: exp_scaled (one clamp and one power of 2 fewer
    than exp), scaled back. Formulas that need e and σ of the same z then evaluate the
    exponential once (LLVM merges the identical calls; with exp here and exp_scaled in σ, mish′
    and gelu′'s tanh form ran 30 % slower)."""
    return exp_scaled(-abs(z)) * _exp_scale(type(z))[0]


@jitable
def _sigmoid_parts(z):
    """Return (e, s) with e = exp(-|z|) and s = 1 / (1 + e); both never overflow.

    sigmoid(z) = s for z >= 0 and e * s for z < 0; sigmoid'(z) = e * s * s for all z.
    Arguments that are a rounded product or sum z come with their rounding error dz
    (:mod:`fastact._kernels.exact`): without it, e^z loses |z| * eps of relative accuracy.
    """
    T = type(z)
    e = _exp_neg_abs(z)
    return e, T(1) / (T(1) + e)


@jitable
def _sigmoid_times_scale(z, dz):
    """σ(z + dz)·2^S for a rounding error dz (|dz| <= ulp(z)/2), S of exp_scaled: σ(z) +
    dz·σ′(z), σ(z) = s (z >= 0) or e·s, σ′(z) = e·s², s = 1/(1 + e), e = e^(−|z|) from exp_scaled
    (one clamp and one power of 2 fewer than exp). Normal where σ is subnormal: a product with it,
    scaled back once, rounds once (:func:`_sigmoid`; gelu's tanh form near x = −21). 0 below
    exp_scaled's clamp, where σ rounds to 0 (and e, held at the clamp, would carry dz's term)."""
    T = type(z)
    unscale, lo = _exp_scale(T)
    scaled = exp_scaled(-abs(z))
    e = scaled * unscale
    h = T(1) + e
    l = e - (h - T(1))  # 1 + e = h + l exactly
    s = T(1) / h
    base = s * (T(1) / unscale) if z >= 0 else scaled * s
    v = fma(s, fma(-l, base, dz * (scaled * s)), base)
    return T(0) if z < lo else v


@jitable
def _sigmoid(z, dz):
    """σ(z + dz): :func:`_sigmoid_times_scale` scaled back, so that a subnormal σ rounds once."""
    return _sigmoid_times_scale(z, dz) * _exp_scale(type(z))[0]


#: z above which σ(z) is a normal number, float32 and float64.
_SIGMA_NORMAL_MIN = (-87.0, -708.0)


@jitable
def _times_sigmoid(x, z, dz):
    """x·σ(z + dz) from σ·2^S (:func:`_sigmoid_times_scale`), scaled back before the product
    with x where σ is normal and after it below (a subnormal result rounds once; x·σ·2^S cannot
    overflow there); the limit −0 where σ underflows (x = ±inf, where x·0 is NaN)."""
    T = type(x)
    cdf = _sigmoid_times_scale(z, dz)
    unscale = _exp_scale(T)[0]
    normal_min = T(_SIGMA_NORMAL_MIN[0] if _narrow(T) else _SIGMA_NORMAL_MIN[1])
    product = x * (cdf * unscale) if z >= normal_min else (x * cdf) * unscale
    return product if cdf != 0 else T(-0.0)


@jitable
def _sigma(z):
    """σ(z) for an exact z: :func:`_sigmoid` without the dz term (which a literal 0 does not
    remove: 0·inf is NaN, so LLVM keeps the multiply)."""
    T = type(z)
    unscale = _exp_scale(T)[0]
    scaled = exp_scaled(-abs(z))
    s = T(1) / (T(1) + scaled * unscale)
    return s if z >= 0 else (scaled * s) * unscale


@jitable
def _sigmoid_slope_parts(a, z, times_scale):
    """(q, correction, c): a·σ′(z) = q + correction and c = (1 − e)/(1 + e), e = exp(−|z|), for
    :func:`_scaled_sigmoid_slope` (which says how). ``times_scale`` (a literal): q and correction
    × 2^S, S of exp_scaled, normal where σ′ is subnormal (for a product scaled back once); beyond
    exp_scaled's clamp they are not 0 (the caller's to zero)."""
    T = type(z)
    scaled = exp_scaled(-abs(z))
    e = scaled * _exp_scale(T)[0]
    h = T(1) + e
    l = e - (h - T(1))
    hh = h * h
    hh_lo = fma(h, h, -hh) + T(2) * h * l
    inv = T(1) / hh
    n, n_lo = two_product(a, scaled if times_scale else e)
    q = n * inv
    residual = fma(-q, hh, n) + (n_lo - q * hh_lo)
    return q, residual * inv, (T(1) - e) * h * inv


@jitable
def _scaled_sigmoid_slope(a, z, dz):
    """a·σ′(z + dz) = a·e/(1 + e)² with e = exp(−|z|), within ~0.5 ulp of the exact value for e.

    1 + e = h + l exactly (fast two-sum, 1 ≥ e); (1 + e)² = hh + hh_lo with hh = fl(h²) and
    hh_lo = (h² − hh) + 2hl by fma (l² ~ eps² is dropped); a·e = n + n_lo exactly (two-product;
    |n| ≤ |a|, no overflow). The quotient q = n·(1/hh) is corrected once by its exact residual
    n + n_lo − q(hh + hh_lo) (fma), so the result carries exp's error, damped by (1 − e)/(1 + e),
    plus one final rounding. The first-order term of dz: σ′(z + dz) = σ′(z)(1 + dz(1 − 2σ(z))),
    1 − 2σ(z) = −sign(z)·c, c = (1 − e)/(1 + e).
    """
    return _scaled_sigmoid_slope_(a, z, dz, False)


@jitable
def _scaled_sigmoid_slope_(a, z, dz, times_scale):
    """:func:`_scaled_sigmoid_slope`, × 2^S where ``times_scale`` (see :func:`_sigmoid_slope_parts`)."""
    q, correction, c = _sigmoid_slope_parts(a, z, times_scale)
    return q + (correction + q * dz * (-c if z >= 0 else c))


@jitable
def _scaled_sigma_slope(a, z):
    """a·σ′(z) for an exact z (no dz term)."""
    q, correction, _ = _sigmoid_slope_parts(a, z, False)
    return q + correction


@jitable
def _sigmoid_slope(z, dz):
    """σ′(z + dz) = e/(1 + e)², e = exp(−|z|): see :func:`_scaled_sigmoid_slope`."""
    return _scaled_sigmoid_slope(type(z)(1), z, dz)


# --- sigmoid(x, slope): sigma(a x) --------------------------------------------------------


@jitable
def sigmoid_forward(x, p):
    z, dz = two_product(p[0], x)
    return _sigmoid(z, dz)


@jitable
def sigmoid_derivative(x, p):
    z, dz = two_product(p[0], x)
    return _scaled_sigmoid_slope(p[0], z, dz)


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


# sigmoid with slope 1 (the default; the numba backend picks these loops when the slope is 1):
# no product a·x to carry and no dz term, the same values as sigmoid_* with p[0] = 1.


@jitable
def sigmoid1_forward(x, p):
    return _sigma(x)


@jitable
def sigmoid1_derivative(x, p):
    return _scaled_sigma_slope(type(x)(1), x)


@jitable
def sigmoid1_vjp(g, x, p):
    return g * sigmoid1_derivative(x, p)


sigmoid1_vjp_from_y = sigmoid_vjp_from_y
sigmoid1_param_vjp = sigmoid_param_vjp


# --- tanh -----------------------------------------------------------------------------------


@jitable
def tanh_forward(x, p):
    return tanh(x)


@jitable
def tanh_derivative(x, p):
    """1 − tanh(x)² = 4e/(1 + e)² = 4σ′(2x), e = exp(−2|x|): no cancellation for large |x|."""
    T = type(x)
    return _scaled_sigma_slope(T(4), T(2) * x)


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


# --- sym_msaf(x, r): -1 + sigma(x) + sigma(x + r); p = (r,) -----------------------------


@jitable
def sym_msaf_forward(x, p):
    """σ(x + r) − σ(−x), which cancels around its zero x = −r/2; there (2x + r ≥ −2) the product
    σ(x)σ(x + r) − σ(−x)σ(−x − r) = −expm1(−(2x + r))·σ(x)·σ(x + r) instead, with the rounding
    error of 2x + r carried into expm1, σ(x)σ(x + r) as one quotient and x + r's rounding error as
    σ(z + dz) = σ(z)(1 + dz(1 − σ(z))). Below, σ(x + r) − σ(−x) loses at most 1.3× its roundings."""
    T = type(x)
    z, dz = two_sum(x, p[0])
    d, dd = two_sum(T(2) * x, p[0])
    m = expm1(-d)
    m -= dd * (m + T(1))  # expm1(−d − dd) to first order
    ex, ez = _exp_neg_abs(x), _exp_neg_abs(z)
    numerator = (T(1) if x >= 0 else ex) * (T(1) if z >= 0 else ez)
    one_minus_sz = (ez if z >= 0 else T(1)) / (T(1) + ez)
    t = -m * numerator
    product = fma(t * dz, one_minus_sz, t) / fma(T(1) + ex, ez, T(1) + ex)
    return _sigmoid(z, dz) - _sigma(-x) if d < T(-2) else product


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


# =========================== the modern set (PyTorch's names and defaults) ===================
# Where a formula needs a constant, it is cast to the data's type: T(c). Double-word constants
# (hi, lo) feed the error terms of rounded arguments of exponentials.

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = (1.7580993408473768, 1.41535193800845e-17)  # λ·α as hi + lo


@jitable
def _constant(c, T):
    """A double-word constant c = (hi, lo) in type T: (T(hi), the rest of c rounded to T)."""
    hi = T(c[0])
    return hi, T(c[1] + (c[0] - np.float64(hi)))


@jitable
def _finite_or_zero(v):
    """v, or 0 where v is ±inf (error terms of arguments that overflowed)."""
    return v if abs(v) < math.inf else type(v)(0)


@jitable
def _times_slope(x, d):
    """x·d for a derivative factor d that vanishes at |x| = inf: the limit 0 where d == 0."""
    T = type(x)
    return T(0) if d == 0 else x * d


# --- selu: λ·x if x > 0 else λα·expm1(x) ------------------------------------------------------


@jitable
def selu_forward(x, p):
    T = type(x)
    return T(_SELU_SCALE) * x if x > 0 else T(_SELU_SCALE_ALPHA[0]) * expm1(x)


@jitable
def selu_derivative(x, p):
    T = type(x)
    return T(_SELU_SCALE) if x > 0 else T(_SELU_SCALE_ALPHA[0]) * exp(x)


@jitable
def selu_vjp(g, x, p):
    return g * selu_derivative(x, p)


@jitable
def selu_vjp_from_y(g, y, p):
    """y > 0 exactly when x > 0; below, λα·e^x = y + λα (λα as hi + lo: y + hi is exact
    where it cancels)."""
    T = type(y)
    hi, lo = _constant(_SELU_SCALE_ALPHA, T)
    return g * (T(_SELU_SCALE) if y > 0 else (y + hi) + lo)


# --- celu(x, alpha): x if x > 0 else α·expm1(x/α); p = (α,) -----------------------------------


@jitable
def _celu_quotient(x, a):
    """(q, dq): q = fl(x/α) and its rounding error, x/α = q + dq to first order."""
    q = x / a
    return q, _finite_or_zero(fma(-q, a, x) / a)


@jitable
def celu_forward(x, p):
    q, dq = _celu_quotient(x, p[0])
    m = expm1(q)  # + dq·e^q, the correction, unless e^q overflowed (α < 0)
    return x if x > 0 else p[0] * (m + (dq * exp(q) if abs(m) < math.inf else type(x)(0)))


@jitable
def celu_derivative(x, p):
    T = type(x)
    q, dq = _celu_quotient(x, p[0])
    e = exp(q)
    return T(1) if x > 0 else e + (dq * e if e < math.inf else T(0))


@jitable
def celu_vjp(g, x, p):
    return g * celu_derivative(x, p)


@jitable
def celu_vjp_from_y(g, y, p):
    """For α > 0: y > 0 exactly when x > 0; below, e^(x/α) = y/α + 1."""
    T = type(y)
    return g if y > 0 else g * (y / p[0] + T(1))


#: (1 − n)/n! for n = 2 … 20: expm1(q) − q·e^q = Σ_(n≥2) (1 − n)/n!·qⁿ.
_CELU_ALPHA_SERIES = tuple((1 - n) / math.factorial(n) for n in range(2, 21))


@jitable
def celu_param_vjp(g, x, p, k):
    """d/dα [α·expm1(x/α)] = expm1(q) − q·e^q, q = x/α: a series for |q| ≤ 1 (it cancels)."""
    T = type(x)
    q = x / p[0]
    series = T(0)
    for i in range(len(_CELU_ALPHA_SERIES) - 1, -1, -1):
        series = series * q + T(_CELU_ALPHA_SERIES[i])
    e = exp(q)
    direct = expm1(q) - _times_slope(q, e)
    d = q * q * series if abs(q) <= 1 else direct
    return T(0) if x > 0 else g * d


# --- gelu(x, approximate): x·Φ(x) (p = (0,)) or x·σ(2u), u = √(2/π)(x + 0.044715x³) (p = (1,)) --
# The erf form in the type of x (_gelu32, _gelu_slope32, _gelu64, _gelu_slope64); the tanh form
# in float64 (float32 results are then correctly rounded in practice).

#: exp_scaled's (2^S, clamp) per width.
_EXP_SCALED32, _EXP_SCALED64 = vmath.EXP_SCALED[32], vmath.EXP_SCALED[64]


@jitable
def _exp_scale(T):
    """(2^−S, clamp) in T for exp_scaled of a T: the factor that undoes its scaling, and the x
    below which x·e^x rounds to 0."""
    scale, lo = _EXP_SCALED32 if _narrow(T) else _EXP_SCALED64
    return T(1.0 / scale), T(lo)
_GELU_C2 = (1.5957691216057308, -9.96930880911092e-17)  # 2·√(2/π) as hi + lo
_GELU_K = (0.044715, 2.1960211427085595e-18)  # 0.044715 as hi + lo
_GELU_K3 = (0.134145, 1.3526957332032908e-17)  # 3·0.044715 as hi + lo


@jitable
def _narrow(T):
    """Whether T is float32 (a constant after compilation): a float32 result computed in float64
    needs its parts to float accuracy only."""
    return T(0.1) != np.float64(0.1)  # a float64 on both sides: NumPy 2 would round a Python 0.1 to T


#: The erf form in float32 (fits and sweeps: docs/accuracy.md). a = min(|x|, 15);
#: gelu for |x| < 1: Φ(x) = ½ + x·(c0 + x²·R(x²)) (R highest degree first).
_GELU32_SMALL = (3.98942292e-01, (-8.17178716e-06, 1.15023962e-04, -1.18802383e-03,
                                  9.97416396e-03, -6.64905384e-02))
#: gelu for |x| ≥ 1: a·Φ(−a) = u·W(u − UC)·e^(−a²/2), u = a/(a + 3); W = c0 + τ·r(τ), W′ ≈ a line.
_GELU32_UC = float.fromhex("0x1.d55556p-2")
_GELU32_TAIL = (7.73152173e-01, (-1.46889519e-02, -1.21934287e-01, 9.64869708e-02, 2.03385785e-01,
                                 -2.11775914e-01, -3.46467674e-01, 9.65431929e-01, -1.09725392e+00),
                (1.6347181, -1.122059))
#: gelu′(−a) = e^(−a²/2)·(x0 − a)·H(t − TH0), t = (a − CH)/(a + CH); H = c0 + τ·p(τ); x0 = gelu′'s
#: zero, 0.751791524693564457…, as three float32s.
_GELU32_CH, _GELU32_TH0 = 3.36328125, -0.1474609375
_GELU32_SLOPE = (4.89687830e-01, (9.24883898e-06, 3.11417680e-05, -7.64523284e-05, -3.35233432e-04,
                                  9.38639569e-04, 2.82098469e-03, -2.18794532e-02, 6.66284785e-02,
                                  -1.31882831e-01))
_GELU32_X0 = (float.fromhex("0x1.80ead2p-1"), float.fromhex("-0x1.a03fd4p-27"), 4.2913e-16)


def _horner_fma(x, coefficients):
    """The polynomial ``coefficients`` (highest degree first, rounded to type(x)) at x, by fma
    steps (the Python definition: what numba's CUDA simulator runs)."""
    T = type(x)
    r = T(coefficients[0])
    for c in coefficients[1:]:
        r = fma(r, x, T(c))
    return r


#: Compiled: the straight-line steps of vmath's Horner code, each an fma (llvm.fma, on both targets).
overload(_horner_fma, jit_options={"forceinline": True})(vmath.straight_line_horner(fma))


@jitable
def _gelu_gauss(a):
    """(e^(−h/2)·2^S, h, l) for a ≥ 0 (exp_scaled's S): a² = h + l exactly; the factor
    e^(−l/2) = 1 − l/2 is left to the caller."""
    h = a * a
    return exp_scaled(type(a)(-0.5) * h), h, fma(a, a, -h)


@jitable
def _gelu32(x):
    """x·Φ(x) in float32, ≤ 2 ULP. |x| < 1: x/2 + x²(c0 + x²R) (for x < 0 as x·(½ + ...)), no
    rounding of Φ ≈ ½. |x| ≥ 1: U = a·Φ(−a) = u·W(u − UC)·e^(−a²/2), gelu = −U or x − U, with
    the roundings of a + 3 and of u = a/(a + 3) carried (ul, added as W′·ul), u − UC exact
    (Sterbenz), W's last step and u·W·(1 − l/2) as hi + lo, and e^(−a²/2)·2^48 (exp_scaled)
    scaled back once at the end (subnormal results round once)."""
    F = np.float32
    a = abs(x)
    a = F(15) if a > F(15) else a  # beyond, a·Φ(−a) rounds to 0; NaN passes
    scaled, h, l = _gelu_gauss(a)
    c0 = F(_GELU32_SMALL[0])
    xh, big_r = x * h, _horner_fma(h, _GELU32_SMALL[1])
    below = x * fma(xh, big_r, fma(x, c0, F(0.5)))
    above = fma(x, fma(xh, big_r, x * c0), F(0.5) * x)
    small = below if x < 0 else above
    three = F(3)
    d = a + three
    de = (three - d) + a  # a + 3 − d, exact for a ≥ 1
    u = a / d
    ul = fma(-u, de, fma(-u, d, a)) * ((F(1) - u) * F(1 / 3))  # 1/d = (1 − u)/3
    tau = u - F(_GELU32_UC)  # exact
    c0, r, line = _GELU32_TAIL
    s = tau * _horner_fma(tau, r)
    ph = F(c0) + s  # |s| ≤ 0.38·c0: fast two-sum
    pl = fma(fma(F(line[0]), tau, F(line[1])), ul, (F(c0) - ph) + s)  # + W′(τ)·ul
    qh = u * ph
    ql = fma(-qh, F(0.5) * l, fma(u, ph, -qh) + fma(u, pl, ul * ph))  # × (1 − l/2)
    big = fma(scaled, qh, scaled * ql) * _exp_scale(F)[0]
    tail = -big if x < 0 else x - big
    return small if a < F(1) else tail


@jitable
def _gelu_slope32(x):
    """gelu′(x) = Φ(x) + xφ(x) in float32, ≤ 2 ULP: D(−a) for x ≤ 0, 1 − D(−a) above, with
    D(−a) = e^(−a²/2)·(x0 − a)·H; x0 − a is exact near x0 (a two-sum with x0's three parts),
    so gelu′ stays accurate relative to itself at its zero; H's last step and (x0 − a)·H·
    (1 − l/2) carried as hi + lo, e^(−a²/2)·2^48 scaled back once at the end."""
    F = np.float32
    a = abs(x)
    a = F(15) if a > F(15) else a  # beyond, gelu′(−a) rounds to 0; NaN passes
    scaled, h, l = _gelu_gauss(a)
    u = a / (a + F(_GELU32_CH))
    tau = fma(u, F(2), F(-(1 + _GELU32_TH0)))  # t − TH0, in [−0.853, 0.782]
    c0, poly = _GELU32_SLOPE
    s = _horner_fma(tau, poly) * tau
    ph = F(c0) + s  # |s| < 0.4·c0: fast two-sum
    pl = (F(c0) - ph) + s
    x0_hi, x0_mid, x0_lo = F(_GELU32_X0[0]), F(_GELU32_X0[1]), F(_GELU32_X0[2])
    dd, dl = two_sum(x0_hi, -a)  # dl = 0 near x0
    wh = dd + x0_mid  # fast two-sum: |dd| ≥ |x0_mid| or dd = 0
    wl = ((dd - wh) + x0_mid) + (dl + x0_lo)
    qh = wh * ph
    ql = fma(-qh, F(0.5) * l, fma(wh, ph, -qh) + fma(wh, pl, wl * ph))  # × (1 − l/2)
    below = fma(scaled, qh, scaled * ql) * _exp_scale(F)[0]
    return below if x <= 0 else F(1) - below


@jitable
def _gelu_tanh_poly(x, k):
    """(b, eb): 1 + k·x² as a double-word in the type of x, k as hi + lo (:func:`_constant`)."""
    T = type(x)
    k_hi, k_lo = _constant(k, T)
    x2, ex2 = two_product(x, x)
    a, ea = two_product(k_hi, x2)
    ea += k_hi * ex2 + k_lo * x2
    b, eb = two_sum(T(1), a)
    return b, eb + ea


@jitable
def _gelu_tanh_arg(x):
    """(w, dw): 2u = 2√(2/π)·x·(1 + 0.044715x²) as a double-word in the type of x."""
    c2_hi, c2_lo = _constant(_GELU_C2, type(x))
    b, eb = _gelu_tanh_poly(x, _GELU_K)
    m, em = two_product(c2_hi, x)
    em += c2_lo * x
    w, ew = two_product(m, b)
    ew += m * eb + em * b
    return w, _finite_or_zero(ew)


@jitable
def _gelu_tanh_arg_slope(x):
    """(d, dd): dw/dx = 2√(2/π)(1 + 3·0.044715x²) as a double-word, for float64 x."""
    b, eb = _gelu_tanh_poly(x, _GELU_K3)
    d, ed = two_product(_GELU_C2[0], b)
    return d, ed + (_GELU_C2[0] * eb + _GELU_C2[1] * b)


#: The erf form in float64 (as in float32, longer polynomials and more roundings carried):
#: a = min(|x|, 38.75); gelu for |x| < 1: Φ(x) = ½ + x·(c0 + h·R(h)), c0 = 1/√(2π) as hi + lo.
_GELU64_SMALL = ((0.3989422804014327, -2.49232720227773e-17),
                 (4.027756191237098e-12, -1.1040218249357437e-10, 2.2698808160979785e-09,
                  -4.12234516935678e-08, 6.659674970539896e-07, -9.444655563910057e-06,
                  0.00011543468745086112, -0.001187328215457141, 0.00997355701003411,
                  -0.0664903800669054))
#: (C, U0, c0 as hi + lo, q, P′): a polynomial c0 + τ·q(τ) in τ = a/(a + C) − U0 with its slope
#: P′ (a cubic) for the rounding errors of τ. gelu for |x| ≥ 1: a·Φ(−a) = e^(−a²/2)·G.
_GELU64_TAIL = (4.0, 0.546875, (0.38365923443470873, -2.4909544912854464e-17),
                (0.020121368059061555, 0.00993979731915766, -0.033090943775044894,
                 -0.02377162983814235, 0.03559777012827819, 0.037590321348523734,
                 -0.037838529240002645, -0.05257801527629165, 0.050397801493907844,
                 0.0697664991371186, -0.09197681064675889, -0.07526502248996379,
                 0.20420600001205821, -0.03703513069199912, -0.37790297160878317,
                 0.7423439038631234, -0.8227645650665109, 0.6311129991102917,
                 -0.3411295028368806, 0.11089003064324494),
                (-3.488748713079777, 2.28474656943659, -0.6796252584613216, 0.10604094737695269))
#: gelu′(−a) = e^(−a²/2)·(x0 − a)·H.
_GELU64_SLOPE = (4.5, 0.453125, (0.4659172772478842, 1.4013313079375145e-17),
                 (-0.0002927437236721224, -5.462922087731987e-05, 0.000751762505236974,
                  0.0002996141932280199, -0.0012539042240192148, -0.000824851648880691,
                  0.002013390392210008, 0.0017298479848555902, -0.0037682932636636385,
                  -0.0030215632987793772, 0.008810455921099641, 0.0027651930249176023,
                  -0.02372787436847622, 0.01685665460372874, 0.04787402876572458,
                  -0.1567864093529671, 0.2585955168469184, -0.3049983382710242,
                  0.28353864954570474, -0.21707901534815155),
                 (1.1063644126573555, -1.0465778792114904, 0.5634201584280482, -0.21445608530286173))
_GELU64_X0 = (float.fromhex("0x1.80ead197f00b4p-1"), float.fromhex("-0x1.13e74c58cada8p-56"),
              float.fromhex("-0x1.65d4b5b9cdd03p-111"))


@jitable
def _gelu64_poly(a, form):
    """(ph, pl): c0 + τ·q(τ) at τ = a/(a + C) − U0 as a double-word, for float64 a ≥ 0 and
    ``form`` = (C, U0, c0, q, P′): τ·q exact (fma), c0_hi + τq by fast two-sum, and the rounding
    errors of u = a/(a + C) and of τ (ul; 1/(a + C) = (1 − u)/C, C having few bits) added as
    P′(τ)·ul."""
    C, U0, c0, q, slope = form
    d = a + C
    de = (C - d) + a  # exact
    u = a / d
    tau = u - U0
    ul = fma(fma(-u, de, fma(-u, d, a)), (1.0 - u) * (1.0 / C), u - (tau + U0))
    r = _horner_fma(tau, q)
    s = tau * r
    ph = c0[0] + s  # |s| < c0: fast two-sum
    return ph, ((c0[0] - ph) + s) + (fma(tau, r, -s) + fma(_horner_fma(tau, slope), ul, c0[1]))


@jitable
def _gelu64(x):
    """x·Φ(x) in float64, ≤ 2 ULP, subnormal results rounded once: |x| < 1 by ½ + x·c0 as an
    exact sum plus x·h·R(h); above, U = a·Φ(−a) = e^(−a²/2)·G(τ) with e^(−a²/2) = exp_scaled(−h/2)
    ·(1 − l/2)·2^−128 (a² = h + l exact) and G's rounding errors carried; gelu = −U or x − U."""
    a = abs(x)
    a = 38.75 if a > 38.75 else a  # beyond, a·Φ(−a) rounds to 0; NaN passes
    scaled, h, l = _gelu_gauss(a)  # e^(−h/2)·2^128
    c0, small_r = _GELU64_SMALL
    m = x * c0[0]
    sh = 0.5 + m  # |m| < ½: fast two-sum
    sl = ((0.5 - sh) + m) + (fma(x, c0[0], -m) + x * fma(h, _horner_fma(h, small_r), c0[1]))
    small = fma(x, sh, x * sl)
    ph, pl = _gelu64_poly(a, _GELU64_TAIL)
    pl = fma(-ph, 0.5 * l, pl)  # × (1 − l/2)
    big = fma(scaled, ph, scaled * pl) * _exp_scale(np.float64)[0]
    tail = -big if x < 0 else x - big
    return small if a < 1.0 else tail


@jitable
def _gelu_slope64(x):
    """gelu′(x) in float64, ≤ 2 ULP: D(−a) for x ≤ 0, 1 − D(−a) above, D(−a) = e^(−a²/2)·
    (x0 − a)·H(τ) with x0 − a exact near gelu′'s zero (x0 as three doubles)."""
    a = abs(x)
    a = 38.75 if a > 38.75 else a  # beyond, gelu′(−a) rounds to 0; NaN passes
    scaled, h, l = _gelu_gauss(a)  # e^(−h/2)·2^128
    ph, pl = _gelu64_poly(a, _GELU64_SLOPE)
    dd, dl = two_sum(_GELU64_X0[0], -a)  # exact near x0
    wh = dd + _GELU64_X0[1]  # fast two-sum
    wl = ((dd - wh) + _GELU64_X0[1]) + (dl + _GELU64_X0[2])
    qh = wh * ph
    ql = fma(-qh, 0.5 * l, fma(wh, ph, -qh) + fma(wh, pl, wl * ph))  # × (1 − l/2)
    below = fma(scaled, qh, scaled * ql) * _exp_scale(np.float64)[0]
    return below if x <= 0 else 1.0 - below


@jitable
def _gelu_tanh_cdf(x, narrow):
    """(σ(2u), σ′(2u), unscale) for float64 x: compensated (2u as a double-word), σ and σ′ × 2^S
    (S of exp_scaled: normal where they are subnormal, near x = −21), unscale = 2^−S; or, for a
    float32 x and result (``narrow``), by plain float64 roundings, unscale = 1 (formulas.h's
    gelu_tanh_cdf)."""
    if narrow:
        w = (_GELU_C2[0] * x) * (1.0 + _GELU_K[0] * (x * x))
        e, s = _sigmoid_parts(w)
        return (s if w >= 0 else e * s), e * s * s, 1.0
    w, dw = _gelu_tanh_arg(x)
    unscale, lo = _exp_scale(np.float64)
    slope = 0.0 if abs(w) > -lo else _scaled_sigmoid_slope_(1.0, w, dw, True)  # 0 beyond the clamp
    return _sigmoid_times_scale(w, dw), slope, unscale


#: The zero x0 = −0.75246142207101626… of the tanh form's f′ as hi + lo, and Q(u) = M(x0 + u)/u,
#: M(x) = 1 + e^w + x·dw/dx (w = 2u of gelu's tanh form) = Q0 + u·R(u): Q0 = M′(x0) as hi + lo,
#: R a polynomial in τ = u + 0.45, highest degree first; Lawson's fit for u in [−1.7, 0.8], Q's
#: relative error 6.3e-18 (``python tools/gelu/fit_tanh_zero.py``).
_GELU_TANH_X0 = (-0.7524614220710163, 3.635560509207687e-17)
_GELU_TANH_Q0 = (2.4606567646302393, 1.3772482058913877e-16)
_GELU_TANH_R = (
    7.313322521434181e-13, 3.9146654740086436e-12, 1.2841617639990552e-11, 5.520608791754863e-11,
    3.048850788859007e-10, 1.5078870087720685e-09, 6.230273329498285e-09, 2.738567285851373e-08,
    1.308858128521207e-07, 5.43716456571028e-07, 2.091707143844513e-06, 8.879419386202167e-06,
    3.636408321650806e-05, 0.00012823746810006905, 0.00045096910314364034, 0.0016837165155725667,
    0.0055985840196731565, 0.015948189107040277, 0.04575545436429555, 0.3471347379178677,
    -0.26710585236791845)


@jitable
def _gelu_tanh_derivative64(x, narrow):
    """f′ = σ(w) + x·σ′(w)·dw/dx, w = 2u, in float64 (narrow: for a float32 result); for a float64
    result x·dw/dx as a double-word (the terms cancel up to 1.4× beyond the band below). With u =
    x − x0 in (−1.7, 0.8) around f′'s zero x0, where they cancel more: f′ = σ′(w)·M with M = 1 + e^w + x·dw/dx
    = u·(Q0 + u·R(τ)), u = uh − x0_lo (uh exact where u is small), which leaves no cancellation:
    M = uh·Q0_hi + (uh·(uh·R + Q0_lo) − x0_lo·Q0_hi), rounded once by an fma."""
    cdf, slope, unscale = _gelu_tanh_cdf(x, narrow)  # × dw/dx, unless σ′ is 0
    if narrow:
        return cdf if slope == 0 else fma(x * (_GELU_C2[0] * fma(_GELU_K3[0], x * x, 1.0)), slope, cdf)
    d, dd = _gelu_tanh_arg_slope(x)
    t, et = two_product(x, d)
    direct = (cdf if slope == 0 else fma(t, slope, fma(et + x * dd, slope, cdf))) * unscale
    uh = x - _GELU_TANH_X0[0]
    tau = uh + 0.45
    low = uh * fma(uh, _horner_fma(tau, _GELU_TANH_R), _GELU_TANH_Q0[1]) - _GELU_TANH_X0[1] * _GELU_TANH_Q0[0]
    near = (slope * fma(uh, _GELU_TANH_Q0[0], low)) * unscale
    return near if abs(tau) < 1.25 else direct


@jitable
def gelu_forward(x, p):
    """Both forms in the type of x."""
    T = type(x)
    if p[0] != 0:  # x·σ(w), w = 2u as a double-word
        w, dw = _gelu_tanh_arg(x)
        return _times_sigmoid(x, w, dw)
    return T(_gelu32(np.float32(x))) if _narrow(T) else T(_gelu64(np.float64(x)))


@jitable
def gelu_derivative(x, p):
    T = type(x)
    if p[0] != 0:
        return T(_gelu_tanh_derivative64(np.float64(x), _narrow(T)))
    return T(_gelu_slope32(np.float32(x))) if _narrow(T) else T(_gelu_slope64(np.float64(x)))


@jitable
def gelu_vjp(g, x, p):
    return g * gelu_derivative(x, p)


# --- silu: x·σ(x) and swish(x, beta): x·σ(βx); p = (β,) ----------------------------------------


# mish runs in float64 for both dtypes: float32 results are then correctly rounded in practice,
# also near the zeros of mish′ (which cancels: its float64 results are accurate to a few eps
# absolute there). silu, swish and their derivatives compute in the type of x.

#: silu′'s zero x0 = −1.27846454276107… (1 + x0 + e^x0 = 0) as hi + lo.
_SILU_X0 = (-1.2784645427610737, -1.0946994183093437e-16)
#: c/k! for k = 15, 14, …, 2, c = e^x0 = −1 − x0: n(x0 + u) = (1 + c)u + u²·Σ_(k≥2) c·u^(k−2)/k!
#: (float32 takes k ≤ 8, the last 7).
_SILU_NEAR = (2.1294639520002719e-13, 3.1941959280004079e-12, 4.4718742992005711e-11,
              5.8134365889607424e-10, 6.9761239067528909e-9, 7.67373629742818e-8,
              7.67373629742818e-7, 6.906362667685362e-6, 5.5250901341482896e-5,
              0.00038675630939038027, 0.0023205378563422816, 0.011602689281711408,
              0.046410757126845633, 0.1392322713805369)
_SILU_NEAR32 = _SILU_NEAR[7:]


@jitable
def _silu_near(u):
    """Σ_(k≥2) c·u^(k−2)/k! to the accuracy of type(u), for |u| < 0.5."""
    if _narrow(type(u)):
        return _horner_fma(u, _SILU_NEAR32)
    return _horner_fma(u, _SILU_NEAR)


@jitable
def _silu_slope(x, dx, exact):
    """silu′(x + dx) for a rounding error dx (``exact``: dx is 0; swish′(x) = silu′(βx)).

    silu′(x) = σ(x)(1 + x(1 − σ(x))) = v/(1 + e)², e = e^(−|x|), in the type of x:
    x ≥ 0: v = 1 + e(1 + x); x < 0: v = e·n, n = 1 + x + e^x, by two-sums (1 + x is exact for
    x ≤ −0.5), except on |u| < 0.5 around n's zero x0 (u = x − x0 = uh − x0_lo, uh exact),
    where n = (1 + c)u + u²·Σ c·u^(k−2)/k! with 1 + c = −x0: no cancellation anywhere.
    v/(1 + e)² is corrected once by its residual; for x < 0, e comes as e·2^S (exp_scaled) and
    the scale is undone after the division, rounding subnormal results once. dx enters as the
    first-order term dx·silu″(x) = dx·e(2 + x(1 − 2σ(x)))/(1 + e)², added to the numerator.
    """
    T = type(x)
    one = T(1)
    x0_hi, x0_lo = _constant(_SILU_X0, T)
    undo, lo = _exp_scale(T)
    a = abs(x)
    a = -lo if a > -lo else a  # NaN passes
    scaled = exp_scaled(-a)
    e = scaled * undo
    uh = x - x0_hi
    u = uh - x0_lo
    near = fma(uh, -x0_hi, (uh * -x0_lo + x0_lo * x0_hi) + (u * u) * _silu_near(u))
    one_x = one + x
    one_x_lo = x - (one_x - one)
    d, d_lo = two_sum(one_x, e)
    band = abs(u) < T(0.5)
    n = near if band else d
    n_lo = T(0) if band else d_lo + one_x_lo
    ne, ne_lo = two_product(n, scaled)
    ne_lo += n_lo * scaled
    v = fma(e, one + a, one) if x >= 0 else ne
    v_lo = T(0) if x >= 0 else ne_lo
    h = one + e
    l = e - (h - one)
    hh = h * h
    hh_lo = fma(h, h, -hh) + T(2) * h * l
    inv = one / hh
    q = v * inv
    if not exact:  # + dx·silu″(x)·(1 + e)², in v's scale; 0 where dx is
        c = (e - one if x >= 0 else one - e) * (h * inv)
        term = dx * (e if x >= 0 else scaled) * (T(2) + x * c)
        v_lo += term if dx != 0 else T(0)
    result = q + (fma(-q, hh, v) + (v_lo - q * hh_lo)) * inv
    below = T(-0.0) if x < lo else result * undo  # x·e^x rounds to −0
    return result if x >= 0 else below


@jitable
def silu_forward(x, p):
    """x·σ(x) = q (x ≥ 0) or q·e (x < 0), q = x/(1 + e), e = e^(−|x|): one division (with the
    factor e in the numerator, compilers divided twice and selected); for x < 0 e comes as
    e·2^S (exp_scaled, normal where e is subnormal) and the scale is undone once, last; −0
    below exp_scaled's clamp (x·e^x rounds to 0; x = −inf)."""
    T = type(x)
    undo, lo = _exp_scale(T)
    scaled = exp_scaled(-abs(x))
    q = x / (T(1) + scaled * undo)
    below = T(-0.0) if x < lo else (q * scaled) * undo
    return q if x >= 0 else below


@jitable
def silu_derivative(x, p):
    """σ(x) + x·σ′(x) (:func:`_silu_slope`)."""
    return _silu_slope(x, type(x)(0), True)


@jitable
def silu_vjp(g, x, p):
    return g * silu_derivative(x, p)


@jitable
def swish_forward(x, p):
    """x·σ(βx), βx = z + dz exactly (two_product)."""
    z, dz = two_product(p[0], x)
    return _times_sigmoid(x, z, dz)


@jitable
def swish_derivative(x, p):
    """silu′(βx) at βx = z + dz (:func:`_silu_slope`)."""
    z, dz = two_product(p[0], x)
    return _silu_slope(z, dz, False)


@jitable
def swish_vjp(g, x, p):
    return g * swish_derivative(x, p)


@jitable
def swish_param_vjp(g, x, p, k):
    """d/dβ [x·σ(βx)] = x²·σ′(βx): 0 where σ′ underflows, even at x = ±inf."""
    z, dz = two_product(p[0], x)
    return g * _times_slope(x, _times_slope(x, _sigmoid_slope(z, dz)))


# --- mish: x·tanh(softplus(x)) ------------------------------------------------------------------


@jitable
def _mish_t(x):
    """t = tanh(softplus(x)) = n/(n + 2), n = e^x(e^x + 2), from e = e^(−|x|)."""
    T = type(x)
    e = _exp_neg_abs(x)
    positive = x >= 0  # for x ≥ 0, n and n + 2 are divided by e^(2x)
    num = T(1) + T(2) * e if positive else e * (e + T(2))
    den = num + (T(2) * (e * e) if positive else T(2))
    return num / den


#: mish′'s zero x0 = −1.19243121451549521… as hi + lo, and Q (highest degree first, fit:
#: tools/mish/fit.py) with N = u·Q(u − 0.3125) on [−1.75, 0), u = x − x0.
_MISH_X0 = (float.fromhex("-0x1.31432c0d12d84p+0"), float.fromhex("-0x1.bf319154da210p-55"))
_MISH_Q = (0.0003641481999237246, 0.0014356782890104713, 0.004469998615768545, 0.014797382377422855,
           0.046298329668925976, 0.13428345295507532, 0.3638361737720121, 0.9054480215369018,
           1.9570335712160367, 3.2598364944298797, 7.260069719840461)


#: float64: Q = Q0 + τ·R(τ), R of degree 17 (highest first) and Q0 as hi + lo (tools/mish/fit.py
#: f64 18: relative fit error 5.6e-18).
_MISH_R64 = (
    7.13924311890405e-10, 4.522639078310087e-09, 2.47724582587207e-08, 1.4063226847101073e-07,
    7.564197003182101e-07, 3.8097834035699883e-06, 1.7993263492053556e-05, 7.949604503677116e-05,
    0.0003277134763791106, 0.0012581207259398314, 0.004493444889693044, 0.014935057068676528,
    0.046293501318808265, 0.13423740248791335, 0.36383593648809387, 0.9054542502020264,
    1.9570336862576985, 3.259836260921404)
_MISH_Q0_64 = (7.260069717145636, 1.3444106938820255e-16)


@jitable
def _mish_slope64(x):
    """mish′ for float64 x, one division: e = e^(−|x|) as e·2^S (exp_scaled), D = a0 + 2e + k·e²
    as hi + lo and D² from it (x < 0: a0 = 2, k = 1, D = E² + 2E + 2 in E = e^x; x ≥ 0: a0 = 1,
    k = 2, D′ = D·e^(−2x)); then
        x < 0:  mish′ = E·N/D², N = u·Q(τ) on [−1.75, 0) (u = x − x0 and τ = u − 0.3125 with
                their rounding errors carried, Q as hi + lo), 4(1 + x) + E·(6 + 4x + E(4 + E))
                below (both terms < 0), E·N as hi + lo with E·2^S, the scale undone last
                (subnormal results round once, −0 below exp_scaled's clamp);
        x ≥ 0:  mish′ = 1 − 2e²K/D′², K = D′ − 2x(1 + e) (≤ 0.4, its error shrinks; x held at 40,
                where mish′ rounds to 1);
    the quotient corrected once by its residual. ≤ 1.8 ULP against mpmath, at the zero x0 too,
    where t + x·σ(x)(1 − t²) cancelled (68 ULP on the sweep, 2.8e16 at x0)."""
    unscale, lo = _exp_scale(np.float64)
    positive = x >= 0
    xc = 40.0 if x > 40.0 else x  # NaN passes
    xc = lo if xc < lo else xc
    scaled = exp_scaled(-abs(xc))
    e = scaled * unscale
    k = 2.0 if positive else 1.0
    ee, eel = two_product_finite(e, e)  # x is clamped: everything below is finite
    g2 = k * ee
    gh = 2.0 * e + g2  # 2e ≥ k·e²: fast two-sum
    dh, dl = two_sum_finite(1.0 if positive else 2.0, gh)
    dl += ((2.0 * e - gh) + g2) + k * eel
    hh = dh * dh
    hhl = fma(dh, dh, -hh) + 2.0 * dh * dl
    uh, uhe = two_sum_finite(xc, -_MISH_X0[0])
    u, ul = two_sum_finite(uh, -_MISH_X0[1])
    tau = u - 0.3125
    r = _horner_fma(tau, _MISH_R64)
    sq = tau * r
    qh = _MISH_Q0_64[0] + sq  # |τ·R| < Q0: fast two-sum
    ql = ((_MISH_Q0_64[0] - qh) + sq) + (fma(tau, r, -sq) + _MISH_Q0_64[1])
    band_h = u * qh
    band_l = fma(u, qh, -band_h) + (u * ql + (ul + uhe) * qh)
    oh, ol = two_sum_finite(1.0, xc)
    p = e * fma(e, 4.0 + e, fma(4.0, xc, 6.0))
    out_h = 4.0 * oh + p
    out_l = ((4.0 * oh - out_h) + p) + 4.0 * ol
    nh, nl = (band_h, band_l) if xc >= -1.75 else (out_h, out_l)
    mh = scaled * nh
    ml = fma(scaled, nh, -mh) + scaled * nl
    mh, ml = (2.0 * ee * (dh - 2.0 * xc * (1.0 + e)), 0.0) if positive else (mh, ml)
    inv = 1.0 / hh
    q = mh * inv
    q += (fma(-q, hh, mh) + (ml - q * hhl)) * inv
    if positive:
        return 1.0 - q
    return -0.0 if x < lo else q * unscale


@jitable
def _mish_exp32(x):
    """e^x for float32 x ≤ 20 (clamped there) as an exact, normal float64: exp_scaled(x)·2^−48."""
    F = np.float32
    return np.float64(exp_scaled(F(20) if x > F(20) else x)) * np.float64(_exp_scale(F)[0])


@jitable
def _mish32(x):
    """mish for float32 x: x·n/(n + 2), n = E(E + 2), E = e^x, in float64, rounded once; x above
    20, −0 below exp_scaled's clamp. ≤ 1.71 ULP."""
    F = np.float32
    e = _mish_exp32(x)
    n = e * (e + 2.0)
    r = F(np.float64(x) * n / (n + 2.0))
    r = F(-0.0) if x < _exp_scale(F)[1] else r
    return x if x > F(20) else r


@jitable
def _mish_slope32(x):
    """mish′ for float32 x: E·N/D², D = E(E + 2) + 2, N = 4(1 + x) + E·(6 + 4x + E(4 + E)) in
    float64, and N = u·Q(u − 0.3125) (u = x − x0 exact near mish′'s zero x0) on [−1.75, 0), where
    the terms of N cancel and an error in E would move the zero. ≤ 1.78 ULP."""
    F = np.float32
    e = _mish_exp32(x)
    xd = np.float64(F(20) if x > F(20) else x)
    d = e * (e + 2.0) + 2.0
    outside = 4.0 * (1.0 + xd) + e * fma(e, 4.0 + e, 6.0 + 4.0 * xd)
    u = (xd - _MISH_X0[0]) - _MISH_X0[1]
    inside = u * _horner_fma(u - 0.3125, _MISH_Q)
    n = (inside if xd >= -1.75 else outside) if xd < 0 else outside
    r = F(e * n / (d * d))
    return F(-0.0) if x < _exp_scale(F)[1] else r


@jitable
def mish_forward(x, p):
    """x·t: float32 by :func:`_mish32`; float64 from :func:`_mish_t`."""
    T = type(x)
    if _narrow(T):
        return T(_mish32(np.float32(x)))
    t = _mish_t(x)
    return x * t if t != 0 else T(-0.0)


@jitable
def mish_derivative(x, p):
    """float32 by :func:`_mish_slope32`, float64 by :func:`_mish_slope64`."""
    T = type(x)
    if _narrow(T):
        return T(_mish_slope32(np.float32(x)))
    return _mish_slope64(x)


@jitable
def mish_vjp(g, x, p):
    return g * mish_derivative(x, p)


# --- softplus(x, beta, threshold): x if βx > threshold else log(1 + e^(βx))/β; p = (β, thr) --


@jitable
def _softplus_of(z):
    """log(1 + e^z) = max(z, 0) + log1p(e^(−|z|))."""
    return (z if z > 0 else type(z)(0)) + log1p_unit(_exp_neg_abs(z))


@jitable
def softplus_forward(x, p):
    z, dz = two_product(p[0], x)
    sp = (_softplus_of(z) + dz * _sigma(z)) / p[0]
    return x if z > p[1] else sp


@jitable
def softplus_derivative(x, p):
    T = type(x)
    z, dz = two_product(p[0], x)
    return T(1) if z > p[1] else _sigmoid(z, dz)


@jitable
def softplus_vjp(g, x, p):
    return g if two_product(p[0], x)[0] > p[1] else g * softplus_derivative(x, p)


@jitable
def softplus_vjp_from_y(g, y, p):
    """For β > 0: σ(βx) = 1 − e^(−βy); y = x above the threshold."""
    return g if p[0] * y > p[1] else g * -expm1(-p[0] * y)


@jitable
def softplus_param_vjp(g, x, p, k):
    """d/dβ = (z·σ(z) − softplus(z))/β², z = βx, written as −(|z|·e/(1 + e) + log1p(e))/β²
    with e = e^(−|z|) (the two terms never cancel); 0 above the threshold."""
    T = type(x)
    z = p[0] * x
    e = _exp_neg_abs(z)
    h = -(_times_slope(abs(z), e / (T(1) + e)) + log1p_unit(e))
    return T(0) if z > p[1] else g * (h / (p[0] * p[0]))


# softplus with β = 1 (the default; the backends pick this set when β is 1): no product βx to
# carry and no division by β; the same values as softplus_* with p[0] = 1.


@jitable
def softplus1_forward(x, p):
    return x if x > p[1] else _softplus_of(x)


@jitable
def softplus1_derivative(x, p):
    return type(x)(1) if x > p[1] else _sigma(x)


@jitable
def softplus1_vjp(g, x, p):
    return g if x > p[1] else g * _sigma(x)


softplus1_vjp_from_y = softplus_vjp_from_y
softplus1_param_vjp = softplus_param_vjp


# --- softsign: x/(1 + |x|) -------------------------------------------------------------------


@jitable
def softsign_forward(x, p):
    T = type(x)
    return x / (T(1) + abs(x)) if abs(x) != math.inf else (T(1) if x > 0 else T(-1))


@jitable
def softsign_derivative(x, p):
    """1/(1 + |x|)², squared after the division so that it underflows gradually."""
    T = type(x)
    d = T(1) / (T(1) + abs(x))
    return d * d


@jitable
def softsign_vjp(g, x, p):
    return g * softsign_derivative(x, p)


@jitable
def softsign_vjp_from_y(g, y, p):
    T = type(y)
    c = T(1) - abs(y)
    return g * (c * c)


# --- hardtanh(x, min_val, max_val), relu6 = hardtanh(x, 0, 6); p = (min, max) ----------------
# Kinks as PyTorch: f′ = 1 only strictly inside (min, max), 0 at and beyond the kinks.


@jitable
def _clamp(x, lo, hi):
    return lo if x < lo else (hi if x > hi else x)


@jitable
def _inside_vjp(g, x, lo, hi):
    """g inside (lo, hi), else 0 (blocking an infinite or NaN g); NaN where x is NaN."""
    T = type(x)
    return g if (x > lo and x < hi) else (T(0) if x == x else x)


@jitable
def hardtanh_forward(x, p):
    return _clamp(x, p[0], p[1])


@jitable
def hardtanh_derivative(x, p):
    T = type(x)
    return _inside_vjp(T(1), x, p[0], p[1])


@jitable
def hardtanh_vjp(g, x, p):
    return _inside_vjp(g, x, p[0], p[1])


@jitable
def hardtanh_vjp_from_y(g, y, p):
    """min < y < max exactly when min < x < max."""
    return _inside_vjp(g, y, p[0], p[1])


@jitable
def relu6_forward(x, p):
    T = type(x)
    return _clamp(x, T(0), T(6))


@jitable
def relu6_derivative(x, p):
    T = type(x)
    return _inside_vjp(T(1), x, T(0), T(6))


@jitable
def relu6_vjp(g, x, p):
    T = type(x)
    return _inside_vjp(g, x, T(0), T(6))


@jitable
def relu6_vjp_from_y(g, y, p):
    return relu6_vjp(g, y, p)


# --- hardsigmoid: relu6(x + 3)/6; hardswish: x·relu6(x + 3)/6 ----------------------------------


@jitable
def hardsigmoid_forward(x, p):
    T = type(x)
    return _clamp(x + T(3), T(0), T(6)) / T(6)


@jitable
def hardsigmoid_derivative(x, p):
    T = type(x)
    return _inside_vjp(T(1) / T(6), x, T(-3), T(3))


@jitable
def hardsigmoid_vjp(g, x, p):
    T = type(x)
    return _inside_vjp(g / T(6), x, T(-3), T(3))


@jitable
def hardsigmoid_vjp_from_y(g, y, p):
    """0 < y < 1 exactly when −3 < x < 3."""
    T = type(y)
    return _inside_vjp(g / T(6), y, T(0), T(1))


@jitable
def hardswish_forward(x, p):
    """x·relu6(x + 3)/6, with the limit −0 at x = −inf (where x·0 is NaN)."""
    T = type(x)
    r = _clamp(x + T(3), T(0), T(6))
    return -T(0) if r == 0 else x * (r / T(6))  # (x·r)/6 would overflow near the largest x


@jitable
def hardswish_derivative(x, p):
    """0 for x ≤ −3, x/3 + 1/2 for −3 < x < 3, 1 for x ≥ 3 (PyTorch's kinks).

    x/3 + 1/2 is computed as (2x + 3)/6: 2x + 3 is exact where it cancels (Sterbenz), so the
    result is correctly rounded (PyTorch's x/3 + 0.5 is not, near x = −1.5)."""
    T = type(x)
    inner = (T(2) * x + T(3)) / T(6)
    return T(0) if x <= -3 else (inner if x < 3 else (T(1) if x == x else x))


@jitable
def hardswish_vjp(g, x, p):
    T = type(x)
    return T(0) if x <= -3 else g * hardswish_derivative(x, p)


# --- log_sigmoid: min(x, 0) − log1p(e^(−|x|)) ------------------------------------------------


@jitable
def log_sigmoid_forward(x, p):
    T = type(x)
    return (x if x < 0 else T(0)) - log1p_unit(_exp_neg_abs(x))


@jitable
def log_sigmoid_derivative(x, p):
    """σ(−x)."""
    T = type(x)
    return _sigma(-x)


@jitable
def log_sigmoid_vjp(g, x, p):
    return g * log_sigmoid_derivative(x, p)


@jitable
def log_sigmoid_vjp_from_y(g, y, p):
    """σ(−x) = 1 − e^y."""
    return g * -expm1(y)


# --- threshold(x, threshold, value): x if x > threshold else value; p = (threshold, value) ---


@jitable
def threshold_forward(x, p):
    return x if x > p[0] else (p[1] if x == x else x)


@jitable
def threshold_derivative(x, p):
    T = type(x)
    return T(1) if x > p[0] else (T(0) if x == x else x)


@jitable
def threshold_vjp(g, x, p):
    T = type(x)
    return g if x > p[0] else (T(0) if x == x else x)


@jitable
def threshold_vjp_from_y(g, y, p):
    """For value ≤ threshold: y > threshold exactly when x > threshold."""
    return threshold_vjp(g, y, p)


# --- prelu(x, weight): leaky ReLU with a slope w per channel (the loops pass w per element) --


@jitable
def prelu_forward(x, w):
    return x if x > 0 else w * x


@jitable
def prelu_derivative(x, w):
    T = type(x)
    return T(1) if x > 0 else (w if x <= 0 else x)


@jitable
def prelu_vjp(g, x, w):
    return g if x > 0 else (g * w if x <= 0 else x)


@jitable
def prelu_weight_vjp(g, x, w):
    """g·∂f/∂w = g·x for x ≤ 0, else 0 (NaN where x is NaN)."""
    T = type(x)
    return T(0) if x > 0 else g * x
