"""Branch-free, vectorizable elementary functions for Numba.

Numba without SVML lowers ``math.exp``, ``math.tanh``, ``math.erf``... in a
jitted loop to scalar libm calls, which stops the loop vectorizer.  The
functions here are written with plain arithmetic, integer operations on the
float bit patterns (through the bit-cast intrinsics below) and selects only,
so a loop ``out[i] = vmath.exp(x[i])`` compiles to packed SIMD code.

Public API (usable from ``@numba.njit`` code; each is also a plain Python
function that falls back to :mod:`math` when called outside Numba)::

    from fastact._kernels import vmath

    @numba.njit
    def f(x, out):
        for i in range(x.size):
            out[i] = vmath.sigmoid(x[i])

``exp, exp_scaled, expm1, log, log1p, log1p_unit, tanh, erf, sigmoid`` dispatch on the
argument's type (``log1p_unit``: log1p for arguments in [0, 1], softplus's): a float32 argument is computed entirely in float32 (float32 result), a
float64 or integer argument in float64.  Every function is within 2 ULP of
the correctly rounded result over the whole finite range, subnormal inputs
and results included (measured maxima: ``docs/accuracy.md``), and returns the
C library's special values (signed zeros, infinities, NaN) without
data-dependent branches.

Only target-generic constructs are used (arithmetic, comparisons, selects,
``abs`` and LLVM ``bitcast`` intrinsics), so the same code is meant to serve
``numba.cuda.jit`` device functions.  No fast-math flags are assumed; results
stay within the bound whether or not LLVM fuses multiply-adds.

Polynomial coefficients are Chebyshev interpolants (near-minimax) produced
by ``tools/fit_vmath_coeffs.py``.
"""
import math
from collections import namedtuple

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload, register_jitable

from fastact._kernels.exact import float_intrinsic3

__all__ = ["exp", "exp_scaled", "expm1", "log", "log1p", "tanh", "erf", "sigmoid"]


# --------------------------------------------------------------------------
# Bit casts between a float and the signed integer of the same width.
# --------------------------------------------------------------------------

_INT_OF_FLOAT = {32: types.int32, 64: types.int64}
_FLOAT_OF_INT = {32: types.float32, 64: types.float64}


@intrinsic
def _float_bits(typingctx, x):
    """Reinterpret float32/float64 ``x`` as int32/int64 (LLVM bitcast)."""
    if not isinstance(x, types.Float):
        return None
    sig = _INT_OF_FLOAT[x.bitwidth](x)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(x.bitwidth))

    return sig, codegen


@intrinsic
def _bits_float(typingctx, i):
    """Reinterpret int32/int64 ``i`` as float32/float64 (LLVM bitcast)."""
    if not isinstance(i, types.Integer) or i.bitwidth not in _FLOAT_OF_INT:
        return None
    sig = _FLOAT_OF_INT[i.bitwidth](i)
    llvm_float = ir.FloatType() if i.bitwidth == 32 else ir.DoubleType()

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_float)

    return sig, codegen


@intrinsic
def _divide(typingctx, num, den):
    """IEEE quotient num/den of two floats of the same type.

    Plain ``/`` in Numba's default (python) error model tests the divisor
    and raises ZeroDivisionError, a branch that also blocks vectorization;
    this emits a bare ``fdiv`` (x/0 = +-inf, 0/0 = NaN).
    """
    if not isinstance(num, types.Float) or num != den:
        return None

    def codegen(context, builder, signature, args):
        return builder.fdiv(args[0], args[1])

    return num(num, den), codegen


#: a*b + c as LLVM's ``fmuladd``: one fused multiply-add where the CPU has FMA, else a multiply
#: and an add (never a libm call, so loops still vectorize). Numba does not contract a*b + c by
#: itself (LLVM needs a fast-math flag for that), and Horner's scheme written with ``*`` and ``+``
#: costs twice the instructions and latency of the FMA form that gcc compiles the cython
#: backend's polynomials to.
_muladd = float_intrinsic3("llvm.fmuladd")


# --------------------------------------------------------------------------
# Per-format constants.  Numba freezes them as typed constants, so float32
# code never promotes to float64.  Polynomials: highest degree first, from
# tools/fit_vmath_coeffs.py (absolute approximation errors quoted there).
# --------------------------------------------------------------------------

def _format(float_t, int_t, **values):
    """Named tuple of constants converted to the format's float/int types
    (Numba freezes a named tuple closed over by a jitted function)."""
    converted = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            converted[name] = tuple(float_t(v) for v in value)
        elif isinstance(value, int):
            converted[name] = int_t(value)
        else:
            converted[name] = float_t(value)
    fields = ["float_t", "int_t", *converted]
    return namedtuple("FloatFormat", fields)(float_t, int_t, **converted)


_F32 = _format(
    np.float32, np.int32,
    MANT_BITS=23, EXP_BIAS=127,
    LOG2E=1.4426950408889634,
    ROUND_SHIFTER=1.5 * 2.0**23,          # adding it rounds to an integer
    LN2_HI=0.693145751953125,             # 0x3f317200, k*LN2_HI exact
    LN2_LO=1.4286068203094173e-06,
    EXP_LO=-110.0, EXP_HI=89.0,           # exp(EXP_LO) == 0, exp(EXP_HI) == inf
    EXP_SCALED_LOG2=48, EXP_SCALED_LO=-112.0,   # e**x * 2**48 is normal down to -112
    EXPM1_LO=-30.0,                       # expm1(x) == -1 below this
    SQRT_HALF_BITS=0x3f3504f3,            # bits of sqrt(1/2)
    ONE_BITS=0x3f800000,
    MANT_MASK=0x007fffff,
    MIN_NORMAL=2.0**-126, SUBNORMAL_SCALE=2.0**25, SUBNORMAL_SCALE_LOG2=25,
    ERF_SPLIT=1.0, ERF_CLAMP=4.0, ERF_SHIFT=2.0,   # erf(4) == 1 in float32
    EXPM1_TAIL=(1.98912685e-4, 1.39339001e-3, 8.33331067e-3, 4.16664627e-2,
                1.66666667e-1, 5.00000001e-1),
    LOG_TAIL=(2.33419434e-1, 2.8550397e-1, 4.00001256e-1, 6.66666665e-1),
    ERF_SMALL=(7.87587506e-5, -8.01686429e-4, 5.18908742e-3, -2.6854212e-2,
               1.12835947e-1, -3.76126267e-1, 1.28379166e-1),
    ERFCX=(1.54691114e+1, -3.04976176e+1, 1.82804856e+1, -1.7633327,
           2.80824259, 1.03500547, 5.7012324e-1, -1.64236387e-4),
    # log1p(e) = e + e*(e*Q(e - 1/2)) on [0, 1] (tools/fit_log1p_unit.py)
    LOG1P_UNIT=(
        -0.0032316388096660376, 0.006918628234416246, -0.010221293196082115,
        0.016661275178194046, -0.028897598385810852, 0.05108852684497833, -0.09323228895664215,
        0.1792249083518982, -0.37813955545425415),
)

_F64 = _format(
    np.float64, np.int64,
    MANT_BITS=52, EXP_BIAS=1023,
    LOG2E=1.4426950408889634,
    ROUND_SHIFTER=1.5 * 2.0**52,
    LN2_HI=6.93147180369123816490e-01,    # 0x3fe62e42fee00000
    LN2_LO=1.90821492927058770002e-10,
    EXP_LO=-750.0, EXP_HI=710.0,
    EXP_SCALED_LOG2=128, EXP_SCALED_LO=-760.0,
    EXPM1_LO=-60.0,
    SQRT_HALF_BITS=0x3fe6a09e667f3bcd,
    ONE_BITS=0x3ff0000000000000,
    MANT_MASK=0x000fffffffffffff,
    MIN_NORMAL=2.0**-1022, SUBNORMAL_SCALE=2.0**54, SUBNORMAL_SCALE_LOG2=54,
    ERF_SPLIT=1.0, ERF_CLAMP=6.0, ERF_SHIFT=2.0,   # erf(6) == 1 in float64
    EXPM1_TAIL=(2.0914898727175524e-9, 2.5105513541847085e-8,
                2.7557273132896041e-7, 2.7557254685728803e-6,
                2.4801587325951109e-5, 1.984126987538548e-4,
                1.3888888888883633e-3, 8.3333333333259731e-3,
                4.166666666666667e-2, 1.6666666666666671e-1, 5.0e-1),
    LOG_TAIL=(1.463003136412286e-1, 1.5330617306743305e-1,
              1.8182922513515942e-1, 2.2222210674238515e-1,
              2.8571428628810996e-1, 3.9999999999893222e-1,
              6.6666666666666699e-1),
    ERF_SMALL=(-7.7958988270021422e-10, 1.3720064546777686e-8,
               -1.6208483801871706e-7, 1.6447424703317362e-6,
               -1.492473690741966e-5, 1.2055294904839708e-4,
               -8.5483259753896921e-4, 5.2239776071164227e-3,
               -2.686617064323777e-2, 1.1283791670945006e-1,
               -3.761263890318354e-1, 1.2837916709551257e-1),
    ERFCX=(-4.8758923220392633e+3, 1.8137160165769312e+4,
           -3.03682623604029e+4, 2.984022786377935e+4,
           -1.8775426689495015e+4, 7.7810890875471501e+3,
           -2.1809601729464644e+3, 4.7155570766079867e+2,
           -8.6459334453519642e+1, 4.0455583681268243e-1,
           -7.2286056518936877e-1, 2.6697328216797695,
           2.8258324602066986, 1.9741595366538843,
           1.1284077674102481, 5.6418867489207286e-1,
           1.2731945384119991e-8),
    LOG1P_UNIT=(
        1.6557700131571124e-05, -4.5850986116924686e-05, 6.123791320333589e-05,
        -7.64173329784857e-05, 0.0001221016630426588, -0.00020264896195781453,
        0.00032415269222004205, -0.0005170390699157083, 0.0008312657787371122,
        -0.0013444663215247494, 0.002187652063855104, -0.0035856696778440176,
        0.005929011465127689, -0.0099099005602377, 0.01678874248967477, -0.028943183168756492,
        0.051083446105481184, -0.09323036636363394, 0.1792249369360366, -0.3781395675673425),
)


def _horner(x, coeffs):
    """Evaluate the polynomial ``coeffs`` (highest degree first) at x."""
    p = coeffs[0]
    for c in coeffs[1:]:
        p = p * x + c
    return p


def straight_line_horner(step):
    """An overload implementation of Horner's scheme written out for the tuple's length, each
    step ``step(p, x, c)`` (a multiply-add), the coefficients rounded to type(x).

    A loop over a long tuple is not always unrolled by LLVM (it becomes a
    switch on the index, which blocks vectorization), so generate the
    straight-line code instead. float64 polynomials of 8 or more terms are split into four
    Horner chains in x⁴, one per power k mod 4, joined as (P0 + x·P1) + x²·(P2 + x·P3): a
    dependency chain of n/4 + 3 steps where Horner's has n − 1. Long double loops are bound by
    that chain's latency on the CPUs measured (as in the C kernels' ``fa_poly_f64``); float
    polynomials are short and their loops bound by instruction count, so they keep one chain.
    """
    def generate(x, coeffs):
        n = coeffs.count
        lines = ["def horner(x, coeffs):", "    T = type(x)"]
        if getattr(x, "bitwidth", 0) == 64 and n >= 8:
            lines += ["    x2 = x * x", "    x4 = x2 * x2"]
            for j in range(4):  # chain j: the coefficients of x^k, k ≡ j (mod 4), highest first
                indices = [i for i in range(n) if (n - 1 - i) % 4 == j]
                lines.append(f"    p{j} = T(coeffs[{indices[0]}])")
                lines += [f"    p{j} = step(p{j}, x4, T(coeffs[{i}]))" for i in indices[1:]]
            lines.append("    return step(step(p3, x, p2), x2, step(p1, x, p0))")
        else:
            lines.append("    p = T(coeffs[0])")
            lines += [f"    p = step(p, x, T(coeffs[{i}]))" for i in range(1, n)]
            lines.append("    return p")
        namespace = {"step": step}
        exec("\n".join(lines), namespace)
        return namespace["horner"]

    return generate


#: Each step a fused multiply-add where the CPU has one (``_muladd``).
overload(_horner, jit_options={"forceinline": True})(straight_line_horner(_muladd))


def _make_kernels(c):
    """Build the branch-free kernels for one float format ``c``.

    Every function below is a ``register_jitable`` closure over the
    format's typed constants, so the float32 and float64 families share one
    source and each stays in its own precision.
    """
    ft, it = c.float_t, c.int_t
    zero, one, two, half = ft(0), ft(1), ft(2), ft(0.5)
    inf, nan = ft(np.inf), ft(np.nan)
    sign_mask = it(np.iinfo(it).min)
    int_zero, int_one = it(0), it(1)
    mant_bits, exp_bias = c.MANT_BITS, c.EXP_BIAS

    @register_jitable(forceinline=True)
    def copysign(magnitude, sign_source):
        """|magnitude| with the sign bit of sign_source (bit operations)."""
        bits = _float_bits(abs(magnitude)) | (_float_bits(sign_source) & sign_mask)
        return _bits_float(it(bits))

    @register_jitable(forceinline=True)
    def pow2(k):
        """2**k for integer k in the normal exponent range (exact)."""
        return _bits_float(it((k + exp_bias) << mant_bits))

    @register_jitable(forceinline=True)
    def reduce_ln2(x):
        """Split x = k*ln2 + r + r_err, integer k, |r| <= ln2/2 (Cody-Waite).

        k = rint(x/ln2) is obtained by adding and subtracting 1.5*2**p
        (no libm call, no float-to-int conversion: k is read from the
        low mantissa bits of the shifted sum).  Valid for |x| < 2**(p-2).
        r_err is the rounding error of r (Fast2Sum), r = x exactly if k = 0.
        """
        shifted = x * c.LOG2E + c.ROUND_SHIFTER
        k = it(_float_bits(shifted) - _float_bits(c.ROUND_SHIFTER))
        kf = shifted - c.ROUND_SHIFTER
        r_hi = x - kf * c.LN2_HI                    # exact
        r_lo = kf * c.LN2_LO
        r = r_hi - r_lo
        return k, r, (r_hi - r) - r_lo

    @register_jitable(forceinline=True)
    def expm1_reduced(r, r_err):
        """expm1(r + r_err) for |r| <= ln2/2 as an unevaluated sum hi + lo.

        hi = r + r*(r*h(r)) with h a polynomial: tiny relative error for
        small r, and -0 stays -0.  lo holds the rounding error of that sum
        (Fast2Sum) plus the first-order term r_err*e**r.
        """
        tail = r * (r * _horner(r, c.EXPM1_TAIL))
        hi = r + tail
        lo = ((r - hi) + tail) + (r_err + r_err * hi)
        return hi, lo

    @register_jitable(forceinline=True)
    def exp_reduced(x):
        """(k, m, m_lo): e**x = 2**k * (m + m_lo), m + m_lo = e**r for |r| <= ln2/2."""
        k, r, r_err = reduce_ln2(x)
        q, q_lo = expm1_reduced(r, r_err)
        sum_hi = one + q
        sum_lo = ((one - sum_hi) + q) + q_lo        # Fast2Sum remainder
        mantissa = sum_hi + sum_lo                  # renormalize (Fast2Sum)
        return k, mantissa, sum_lo - (mantissa - sum_hi)

    @register_jitable(forceinline=True)
    def exp_clamp(x):
        """x clamped to [EXP_LO, EXP_HI], beyond which e**x is 0 or inf anyway; NaN passes."""
        xc = c.EXP_LO if x < c.EXP_LO else x
        return c.EXP_HI if xc > c.EXP_HI else xc

    @register_jitable(forceinline=True)
    def pow2_halves(k):
        """2**(k - k//2) and 2**(k//2): 2**k as two normal factors, applied one after the other
        so that a subnormal product rounds once and an overflowing one gives inf."""
        k_hi = it(k >> int_one)
        return pow2(k - k_hi), pow2(k_hi)

    @register_jitable(forceinline=True)
    def exp_parts(x):
        """e**x as an unevaluated sum hi + lo (|lo| <~ ulp(hi)/2).

        e**x = 2**k * (1 + expm1(r)); 2**k is applied in two exact steps
        so that subnormal results are rounded once and overflow gives inf.
        """
        k, mantissa, mantissa_lo = exp_reduced(exp_clamp(x))
        scale_lo, scale_hi = pow2_halves(k)
        return (mantissa * scale_lo) * scale_hi, (mantissa_lo * scale_lo) * scale_hi

    @register_jitable(forceinline=True)
    def exp_mantissa(x):
        """(k, m): e**x = 2**k * m with m = 1 + expm1(r) rounded once, r's rounding error
        dropped (cython's ``fa_exp_reduced_*``): the short form behind exp and exp_scaled."""
        k, r, _ = reduce_ln2(x)
        return k, one + expm1_reduced(r, zero)[0]

    @register_jitable(forceinline=True)
    def exp_(x):
        """e**x within 2 ULP (docs/accuracy.md): 2**k applied in two exact steps, so that
        subnormal results round once and overflow gives inf."""
        k, mantissa = exp_mantissa(exp_clamp(x))
        scale_lo, scale_hi = pow2_halves(k)
        return (mantissa * scale_lo) * scale_hi

    @register_jitable(forceinline=True)
    def exp_scaled_(x):
        """e**x * 2**S for x <= 0, S = EXP_SCALED_LOG2: normal (one rounding) down to the clamp
        EXP_SCALED_LO, NaN passes."""
        xc = c.EXP_SCALED_LO if x < c.EXP_SCALED_LO else x
        k, mantissa = exp_mantissa(xc)
        return mantissa * pow2(k + c.EXP_SCALED_LOG2)

    @register_jitable(forceinline=True)
    def expm1_(x):
        """e**x - 1 = 2**k*expm1(r) + (2**k - 1), evaluated as
        (2**(k-j)*expm1(r) + (2**(k-j) - 2**-j)) * 2**j with j = k//2 so
        that no factor overflows; the big sum is done as Fast2Sum so that
        the low part of expm1(r) is not lost."""
        xc = c.EXPM1_LO if x < c.EXPM1_LO else x
        xc = c.EXP_HI if xc > c.EXP_HI else xc
        k, r, r_err = reduce_ln2(xc)
        k_hi = it(k >> int_one)
        scale_lo = pow2(k - k_hi)
        q, q_lo = expm1_reduced(r, r_err)
        offset = scale_lo - pow2(-k_hi)       # (2**k - 1) / 2**j
        q_scaled = q * scale_lo                # exact
        total = q_scaled + offset              # |offset| >= |q_scaled| if k != 0
        total_lo = ((offset - total) + q_scaled) + q_lo * scale_lo
        y = (total + total_lo) * pow2(k_hi)
        return y if x != zero else x                # keeps the sign of zero

    @register_jitable(forceinline=True)
    def log_finite(x, correction):
        """log(x + x*correction) for finite x > 0 (subnormals included).

        x = 2**k * m with m in [sqrt(1/2), sqrt(2)), f = m - 1,
        s = f/(2+f), log(1+f) = 2 atanh(s) = f - f**2/2 + s*(f**2/2 + R)
        with R = s**2 * S(s**2) polynomial (the FreeBSD msun scheme);
        ``correction`` (a tiny relative correction to x) is added with the
        low-order terms.
        """
        is_subnormal = x < c.MIN_NORMAL
        xs = x * c.SUBNORMAL_SCALE if is_subnormal else x
        k_bias = c.SUBNORMAL_SCALE_LOG2 if is_subnormal else int_zero
        bits = _float_bits(xs) + (c.ONE_BITS - c.SQRT_HALF_BITS)
        k = (bits >> mant_bits) - exp_bias - k_bias
        f = _bits_float(it((bits & c.MANT_MASK) + c.SQRT_HALF_BITS)) - one
        s = _divide(f, two + f)
        z = s * s
        tail = z * _horner(z, c.LOG_TAIL)
        half_f2 = half * f * f
        kf = ft(k)
        return kf * c.LN2_HI - ((half_f2 - (s * (half_f2 + tail)
                                             + (kf * c.LN2_LO + correction))) - f)

    @register_jitable(forceinline=True)
    def log_special(x, y):
        """Replace y by the IEEE result where x is 0, negative, inf or NaN."""
        y = y if x < inf else x                     # +inf -> inf, NaN -> NaN
        return y if x > zero else (-inf if x == zero else nan)

    @register_jitable(forceinline=True)
    def log_(x):
        """Natural logarithm."""
        return log_special(x, log_finite(x, zero))

    @register_jitable(forceinline=True)
    def log1p_(x):
        """log(1 + x) = log(u) + c/u with u = fl(1 + x) and c the rounding
        error of u, computed exactly (c = x - (u-1), or 1 - (u-x) if u >= 2)."""
        u = one + x
        c_err = (one - (u - x)) if u >= two else (x - (u - one))
        y = log_special(u, log_finite(u, _divide(c_err, u)))
        return y if x != zero else x                # keeps the sign of zero

    @register_jitable(forceinline=True)
    def log1p_unit_(e):
        """log(1 + e) for e in [0, 1] (softplus's e = exp(-|z|); NaN passes): e + e*(e*Q(e - 1/2)),
        Q a polynomial fitted on [0, 1] (degree 8 / 19, tools/fit_log1p_unit.py). No division,
        range reduction or special-value selects: softplus about twice as fast as with log1p.
        Adding e last scales Q's rounding errors by |e*Q|/log1p(e) <= 0.45."""
        return _muladd(e, e * _horner(e - half, c.LOG1P_UNIT), e)

    @register_jitable(forceinline=True)
    def refine_quotient(y, num_lo, den_lo, inv_den):
        """(num + num_lo)/(den + den_lo) from y = fl(num/den) to first
        order in the lo parts; inv_den ~ 1/den (a few bits suffice)."""
        return y + (num_lo - y * den_lo) * inv_den

    @register_jitable(forceinline=True)
    def tanh_(x):
        """tanh|x| = (1 - e)/(1 + e), e = exp(-2|x|) = e_hi + e_lo <= 1.

        Numerator and denominator are kept as exact hi + lo pairs, so the
        cancellation 1 - e near 0 is harmless; 1/(1 + e) = (1 + tanh)/2
        provides the reciprocal for the correction.  The sign of x is
        copied (tanh(-0) = -0); no overflow: e -> 0 as |x| -> inf.
        """
        e_hi, e_lo = exp_parts(-two * abs(x))
        num = one - e_hi
        num_lo = ((one - num) - e_hi) - e_lo       # exact + e_lo
        den = one + e_hi
        den_lo = ((one - den) + e_hi) + e_lo
        y = _divide(num, den)
        return copysign(refine_quotient(y, num_lo, den_lo, half + half * y), x)

    @register_jitable(forceinline=True)
    def sigmoid_(x):
        """1/(1 + e**-x) = num/(1 + e) with e = exp(-|x|) <= 1 and
        num = 1 (x >= 0) or e (x < 0): never overflows, NaN -> NaN.
        e and 1 + e are carried as hi + lo pairs and the quotient is
        corrected to first order; 1/(1 + e) = sigmoid(|x|)."""
        e_hi, e_lo = exp_parts(-abs(x))
        den = one + e_hi
        den_lo = ((one - den) + e_hi) + e_lo
        positive = x >= zero
        num = one if positive else e_hi
        num_lo = zero if positive else e_lo
        y = _divide(num, den)
        inv_den = y if positive else one - y
        return refine_quotient(y, num_lo, den_lo, inv_den)

    @register_jitable(forceinline=True)
    def erf_(x):
        """Error function, odd.  |x| < 1: x + x*Q(x**2).  |x| >= 1:
        1 - exp(-x**2) * erfcx(|x|) with erfcx a polynomial in
        1/(|x| + 2); |x| is clamped where erf rounds to 1."""
        a = abs(x)
        small = a + a * _horner(a * a, c.ERF_SMALL)
        ac = c.ERF_CLAMP if a > c.ERF_CLAMP else a  # NaN passes
        t = _divide(one, ac + c.ERF_SHIFT)
        large = one - exp_(-(ac * ac)) * _horner(t, c.ERFCX)
        return copysign(small if a < c.ERF_SPLIT else large, x)

    return {"exp": exp_, "exp_scaled": exp_scaled_, "expm1": expm1_, "log": log_, "log1p": log1p_,
            "log1p_unit": log1p_unit_, "tanh": tanh_, "sigmoid": sigmoid_, "erf": erf_}


_KERNELS = {32: _make_kernels(_F32), 64: _make_kernels(_F64)}


# --------------------------------------------------------------------------
# Public, type-generic functions.
# --------------------------------------------------------------------------

def exp(x):
    """e**x; overflows to inf."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


#: exp_scaled's scale 2**S and the clamp below which x*e**x rounds to 0, per float width.
EXP_SCALED = {32: (2.0**_F32.EXP_SCALED_LOG2, float(_F32.EXP_SCALED_LO)),
              64: (2.0**_F64.EXP_SCALED_LOG2, float(_F64.EXP_SCALED_LO))}


def exp_scaled(x):
    """e**x * 2**S for x <= 0 (S = 48 for float32, 128 for float64), normal down to the clamp
    ``EXP_SCALED[width][1]`` (-112, -760): for products x*e**x whose factor e**x is subnormal,
    scaled back by one rounding at the end."""
    result_type = np.float32 if isinstance(x, np.float32) else float  # as compiled code returns
    scale, lo = EXP_SCALED[32 if result_type is np.float32 else 64]
    x = lo if x < lo else float(x)  # NaN passes
    if not x < -700.0:  # e**x normal in float64 (or NaN)
        return result_type(math.exp(x) * scale)
    # exp(x + S*ln2) with S*ln2 as hi + lo: the sum with hi is exact down here
    bits = math.log2(scale)
    e = math.exp(x + bits * _F64.LN2_HI)
    return e + e * math.expm1(bits * _F64.LN2_LO)


def expm1(x):
    """e**x - 1, accurate near 0; overflows to inf."""
    try:
        return math.expm1(x)
    except OverflowError:
        return math.inf


def log(x):
    """Natural logarithm; log(0) = -inf, log(x < 0) = NaN."""
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


def log1p(x):
    """log(1 + x), accurate near 0; log1p(-1) = -inf, log1p(x < -1) = NaN."""
    return math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)


def log1p_unit(x):
    """log(1 + x) for x in [0, 1] (softplus's log1p of e**-|z|); NaN passes."""
    return math.log1p(x)


def tanh(x):
    """Hyperbolic tangent."""
    return math.tanh(x)


def erf(x):
    """Error function."""
    return math.erf(x)


def sigmoid(x):
    """Logistic sigmoid 1/(1 + e**-x), overflow-free for all x."""
    e = math.exp(-abs(x))
    return (1.0 if x >= 0 else e) / (1.0 + e)


def _register(public):
    """Overload ``public`` for Numba: float32 -> float32 kernel, other
    floats and integers -> float64 kernel."""
    kernel32 = _KERNELS[32][public.__name__]
    kernel64 = _KERNELS[64][public.__name__]

    @overload(public, jit_options={"forceinline": True})
    def _overload(x):
        if isinstance(x, types.Float) and x.bitwidth == 32:
            return lambda x: kernel32(x)
        if isinstance(x, types.Float):
            return lambda x: kernel64(x)
        if isinstance(x, (types.Integer, types.Boolean)):
            return lambda x: kernel64(np.float64(x))
        return None


for _public in (exp, exp_scaled, expm1, log, log1p, log1p_unit, tanh, erf, sigmoid):
    _register(_public)
