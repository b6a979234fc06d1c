/* The activation formulas of fastact/_kernels/scalar.py, once, for one floating type.
 *
 * Included by activations.h once per type with these macros defined:
 *   T          the floating type (float or double)
 *   FA(name)   name with the type's suffix (sigmoid_forward → sigmoid_forward_f32)
 *   EXP, EXPM1, TANH, LOG1P_UNIT, FMA, FABS   the elementary functions for T (vmath.h)
 * Every function takes the packed parameter array p[0 .. np-1] of fastact._catalog (already
 * in T) and follows scalar.py line by line; see there for the derivations:
 *   NAME_forward(x, p, np)            f(x)
 *   NAME_derivative(x, p, np)         f'(x)
 *   NAME_vjp(g, x, p, np)             g·f'(x), a zero derivative blocking inf/NaN g
 *   NAME_vjp_from_y(g, y, p, np)      g·f'(x) from y = f(x), where y determines it
 *   NAME_param_vjp(g, x, p, np, k)    g·∂f/∂p[k]
 * NaN in gives NaN out in every one of them.
 */

/* ---- error-free transformations (fastact/_kernels/exact.py) ---- */

/* a·b = product + *err exactly; *err = 0 where the product is ±inf or NaN. */
FA_INLINE T FA(two_product)(T a, T b, T *err) {
    T product = a * b;
    T e = FMA(a, b, -product);
    *err = FABS(product) < (T)INFINITY ? e : (T)0;
    return product;
}

/* a + b = sum + *err exactly (Knuth's branch-free form); *err = 0 where the sum is not finite. */
FA_INLINE T FA(two_sum)(T a, T b, T *err) {
    T sum = a + b;
    T bv = sum - a;
    T e = (a - (sum - bv)) + (b - bv);
    *err = FABS(sum) < (T)INFINITY ? e : (T)0;
    return sum;
}

/* two_product and two_sum for operands whose product or sum is known to be finite: no select. */
FA_INLINE T FA(two_product_finite)(T a, T b, T *err) {
    T product = a * b;
    *err = FMA(a, b, -product);
    return product;
}
FA_INLINE T FA(two_sum_finite)(T a, T b, T *err) {
    T sum = a + b, bv = sum - a;
    *err = (a - (sum - bv)) + (b - bv);
    return sum;
}

/* ---- sigmoid pieces: e = exp(-|z|), s = 1/(1+e); σ(z) = s (z >= 0) or e·s; σ'(z) = e·s² ---- */

/* e^(−|z|) as the sigmoid pieces take it: EXP_SCALED (one clamp and one power of 2 fewer than
 * EXP), scaled back. Formulas that need e and σ of the same z evaluate the exponential once
 * (gcc merges the identical EXP_SCALED calls; with EXP here and EXP_SCALED in σ it did not). */
FA_INLINE T FA(exp_neg_abs)(T z) { return EXP_SCALED(-FABS(z)) * (T)EXP_SCALE; }

/* σ(z + dz)·2^S for a rounding error dz, S of EXP_SCALED: σ(z) + dz·σ'(z), σ(z) = s (z >= 0)
 * or e·s, σ'(z) = e·s², s = 1/(1 + e), e = e^(−|z|) from EXP_SCALED (scaled by 2^S: one power of
 * 2 and one clamp fewer than EXP). Normal where σ is subnormal: a product with it, scaled back
 * once, rounds once (sig; gelu's tanh form near x = −21). 0 below EXP_SCALED's clamp, where σ
 * rounds to 0 (and e, held at the clamp, would carry dz's term). */
FA_INLINE T FA(sig_times_scale)(T z, T dz) {
    T scaled = EXP_SCALED(-FABS(z)), e = scaled * (T)EXP_SCALE;
    T h = (T)1 + e, l = e - (h - (T)1);   /* 1 + e = h + l exactly */
    T s = (T)1 / h;
    T base = z >= 0 ? s * ((T)1 / (T)EXP_SCALE) : scaled * s;
    T v = FMA(s, FMA(-l, base, dz * (scaled * s)), base);
    return z < (T)EXP_SCALED_LO ? (T)0 : v;
}
/* σ(z + dz): sig_times_scale scaled back, so that a subnormal σ(z) rounds once. */
FA_INLINE T FA(sig)(T z, T dz) { return FA(sig_times_scale)(z, dz) * (T)EXP_SCALE; }
/* x·σ(z + dz) from sig_times_scale, scaled back before the product with x where σ is normal
 * (z >= −87 float, −708 double) and after it below (a subnormal result rounds once; x·σ·2^S
 * cannot overflow there); the limit −0 where σ underflows (x = ±inf, where x·0 is NaN)
 * (scalar.py's _times_sigmoid). */
FA_INLINE T FA(times_sig)(T x, T z, T dz) {
    T cdf = FA(sig_times_scale)(z, dz);
    T product = z >= (T)(sizeof(T) == sizeof(float) ? -87.0 : -708.0) ? x * (cdf * (T)EXP_SCALE)
                                                                     : (x * cdf) * (T)EXP_SCALE;
    return cdf != 0 ? product : (T)-0.0;
}
/* σ(z) for an exact z: sig without the dz term (which a constant 0 does not remove: 0·inf). */
FA_INLINE T FA(sigma)(T z) {
    T scaled = EXP_SCALED(-FABS(z));
    T s = (T)1 / ((T)1 + scaled * (T)EXP_SCALE);
    return z >= 0 ? s : (scaled * s) * (T)EXP_SCALE;
}

/* a·σ'(z + dz) = a·e/(1 + e)², e = exp(−|z|): 1 + e = h + l exactly (fast two-sum), (1 + e)² =
 * hh + hh_lo (fma), a·e = n + n_lo exactly; q = n·(1/hh) corrected once by its residual, plus the
 * first-order term of dz, σ'(z)·dz·(1 − 2σ(z)) with 1 − 2σ(z) = −sign(z)·(1 − e)/(1 + e).
 * times_scale (a constant): the result × 2^S, S of EXP_SCALED, normal where σ' is subnormal (for
 * a product scaled back once); beyond the clamp of EXP_SCALED it is not 0 (the caller's to zero). */
FA_INLINE T FA(scaled_sig_slope_)(T a, T z, T dz, int exact, int times_scale) {
    T scaled = EXP_SCALED(-FABS(z)), e = scaled * (T)EXP_SCALE;
    T h = (T)1 + e;
    T l = e - (h - (T)1);
    T hh = h * h;
    T hh_lo = FMA(h, h, -hh) + (T)2 * h * l;
    T inv = (T)1 / hh;
    T n_lo, n = FA(two_product)(a, times_scale ? scaled : e, &n_lo);
    T q = n * inv;
    T residual = FMA(-q, hh, n) + (n_lo - q * hh_lo);
    if (exact)   /* a constant: dz is 0, and so is its term */
        return q + residual * inv;
    T c = ((T)1 - e) * h * inv;
    return q + (residual * inv + q * dz * (z >= 0 ? -c : c));
}
FA_INLINE T FA(scaled_sig_slope)(T a, T z, T dz) { return FA(scaled_sig_slope_)(a, z, dz, 0, 0); }
/* a·σ'(z) for an exact z. */
FA_INLINE T FA(scaled_sigma_slope)(T a, T z) { return FA(scaled_sig_slope_)(a, z, (T)0, 1, 0); }

#ifdef FA_DOUBLE_PASS
/* σ(z) and *slope = σ'(z) = e·s² by plain roundings: for float results computed in double. */
FA_INLINE T FA(plain_sigma)(T z, T *slope) {
    T e = fa_exp_narrow_f64(-FABS(z));
    T s = (T)1 / ((T)1 + e);
    *slope = e * s * s;
    return z >= 0 ? s : e * s;
}
#endif

/* σ'(z + dz) and σ'(z). */
FA_INLINE T FA(sig_slope)(T z, T dz) { return FA(scaled_sig_slope)((T)1, z, dz); }
FA_INLINE T FA(sigma_slope)(T z) { return FA(scaled_sigma_slope)((T)1, z); }

/* ---- sigmoid(x, slope): σ(a x); p = (a) ---- */

FA_INLINE T FA(sigmoid_forward)(T x, const T *p, int np) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    return FA(sig)(z, dz);
}
FA_INLINE T FA(sigmoid_derivative)(T x, const T *p, int np) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    return FA(scaled_sig_slope)(p[0], z, dz);
}
FA_INLINE T FA(sigmoid_vjp)(T g, T x, const T *p, int np) {
    return g * FA(sigmoid_derivative)(x, p, np);
}
FA_INLINE T FA(sigmoid_vjp_from_y)(T g, T y, const T *p, int np) {
    return g * (p[0] * y * ((T)1 - y));
}
/* d/da σ(a x) = x·σ'(a x); 0 where σ' underflows to 0, even at x = ±inf. */
FA_INLINE T FA(sigmoid_param_vjp)(T g, T x, const T *p, int np, int k) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    T d = FA(sig_slope)(z, dz);
    return d == 0 ? (T)0 : g * x * d;
}

/* sigmoid with slope 1 (table.h: sigmoid1, the default): no product a·x to carry, 12–20 % less
 * work per element; the same values as sigmoid_* with p[0] = 1 (dz is 0 there). */
FA_INLINE T FA(sigmoid1_forward)(T x, const T *p, int np) { return FA(sigma)(x); }
FA_INLINE T FA(sigmoid1_derivative)(T x, const T *p, int np) { return FA(sigma_slope)(x); }
FA_INLINE T FA(sigmoid1_vjp)(T g, T x, const T *p, int np) { return g * FA(sigma_slope)(x); }
FA_INLINE T FA(sigmoid1_vjp_from_y)(T g, T y, const T *p, int np) { return FA(sigmoid_vjp_from_y)(g, y, p, np); }
FA_INLINE T FA(sigmoid1_param_vjp)(T g, T x, const T *p, int np, int k) {
    return FA(sigmoid_param_vjp)(g, x, p, np, k);
}

/* ---- tanh ---- */

FA_INLINE T FA(tanh_forward)(T x, const T *p, int np) { return TANH(x); }
/* 1 − tanh² = 4e/(1 + e)² = 4σ'(2x), e = exp(−2|x|). */
FA_INLINE T FA(tanh_derivative)(T x, const T *p, int np) {
    return FA(scaled_sigma_slope)((T)4, (T)2 * x);
}
FA_INLINE T FA(tanh_vjp)(T g, T x, const T *p, int np) {
    return g * FA(tanh_derivative)(x, p, np);
}
FA_INLINE T FA(tanh_vjp_from_y)(T g, T y, const T *p, int np) {
    return g * (((T)1 - y) * ((T)1 + y));
}

/* ---- msaf(x, r, offset): offset + Σ_k σ(x + r_k); p = (offset, r_0, ..., r_{K-1}) ---- */

/* σ(x + r) (slope 0) or σ'(x + r) (slope 1), x + r carried exactly as z + dz. */
FA_INLINE T FA(shifted_sig)(T x, T r, int slope) {
    T dz, z = FA(two_sum)(x, r, &dz);
    return slope ? FA(sig_slope)(z, dz) : FA(sig)(z, dz);
}
/* acc + Σ_k of shifted_sig over the shifts p[1], ..., p[np − 1], added in order. One, two and
 * three shifts are written out, so that with np a constant (msaf1..3 below) no loop is left and
 * the loop over x vectorizes (a loop over k of variable length stops gcc from vectorizing it). */
FA_INLINE T FA(shifted_sig_sum)(T acc, T x, const T *p, int np, int slope) {
    if (np == 2)
        return acc + FA(shifted_sig)(x, p[1], slope);
    if (np == 3)
        return (acc + FA(shifted_sig)(x, p[1], slope)) + FA(shifted_sig)(x, p[2], slope);
    if (np == 4)
        return ((acc + FA(shifted_sig)(x, p[1], slope)) + FA(shifted_sig)(x, p[2], slope))
               + FA(shifted_sig)(x, p[3], slope);
    for (int k = 1; k < np; k++)
        acc += FA(shifted_sig)(x, p[k], slope);
    return acc;
}

FA_INLINE T FA(msaf_forward)(T x, const T *p, int np) { return FA(shifted_sig_sum)(p[0], x, p, np, 0); }
FA_INLINE T FA(msaf_derivative)(T x, const T *p, int np) { return FA(shifted_sig_sum)((T)0, x, p, np, 1); }
FA_INLINE T FA(msaf_vjp)(T g, T x, const T *p, int np) {
    return g * FA(msaf_derivative)(x, p, np);
}
/* d/d offset = 1 (k = 0; NaN where x is NaN); d/d r_k = σ'(x + r_k). */
FA_INLINE T FA(msaf_param_vjp)(T g, T x, const T *p, int np, int k) {
    if (k == 0)
        return x == x ? g : x;
    T dz, z = FA(two_sum)(x, p[k], &dz);
    return g * FA(sig_slope)(z, dz);
}

/* msaf with 1, 2 or 3 shifts (table.h: msaf1, msaf2, msaf3): np known to the compiler, so
 * shifted_sig_sum's loop is gone and the loops over x vectorize; the backend picks the set by
 * the number of shifts. */
#define FA_MSAF_FIXED(K)                                                                       \
    FA_INLINE T FA(msaf##K##_forward)(T x, const T *p, int np) {                               \
        return FA(msaf_forward)(x, p, K + 1);                                                  \
    }                                                                                          \
    FA_INLINE T FA(msaf##K##_derivative)(T x, const T *p, int np) {                            \
        return FA(msaf_derivative)(x, p, K + 1);                                               \
    }                                                                                          \
    FA_INLINE T FA(msaf##K##_vjp)(T g, T x, const T *p, int np) {                              \
        return FA(msaf_vjp)(g, x, p, K + 1);                                                   \
    }                                                                                          \
    FA_INLINE T FA(msaf##K##_param_vjp)(T g, T x, const T *p, int np, int k) {                 \
        return FA(msaf_param_vjp)(g, x, p, K + 1, k);                                          \
    }
FA_MSAF_FIXED(1)
FA_MSAF_FIXED(2)
FA_MSAF_FIXED(3)
#undef FA_MSAF_FIXED

/* ---- sym_msaf(x, r): −1 + σ(x) + σ(x + r); p = (r) ---- */

/* σ(x + r) − σ(−x), or where 2x + r ≥ −2 (around its zero) −expm1(−(2x + r))·σ(x)·σ(x + r) with
 * the roundings of 2x + r and x + r carried (scalar.py's sym_msaf_forward). */
FA_INLINE T FA(sym_msaf_forward)(T x, const T *p, int np) {
    T dz, z = FA(two_sum)(x, p[0], &dz);
    T dd, d = FA(two_sum)((T)2 * x, p[0], &dd);
    T m = EXPM1(-d);
    m -= dd * (m + (T)1);   /* expm1(−d − dd) to first order */
    T ex = FA(exp_neg_abs)(x), ez = FA(exp_neg_abs)(z);
    T numerator = (x >= 0 ? (T)1 : ex) * (z >= 0 ? (T)1 : ez);
    T one_minus_sz = (z >= 0 ? ez : (T)1) / ((T)1 + ez);
    T t = -m * numerator;
    T product = FMA(t * dz, one_minus_sz, t) / FMA((T)1 + ex, ez, (T)1 + ex);
    return d < (T)-2 ? FA(sig)(z, dz) - FA(sigma)(-x) : product;
}
FA_INLINE T FA(sym_msaf_derivative)(T x, const T *p, int np) {
    T dz, z = FA(two_sum)(x, p[0], &dz);
    return FA(sigma_slope)(x) + FA(sig_slope)(z, dz);
}
FA_INLINE T FA(sym_msaf_vjp)(T g, T x, const T *p, int np) {
    return g * FA(sym_msaf_derivative)(x, p, np);
}
FA_INLINE T FA(sym_msaf_param_vjp)(T g, T x, const T *p, int np, int k) {
    T dz, z = FA(two_sum)(x, p[0], &dz);
    return g * FA(sig_slope)(z, dz);
}

/* Parameters are loaded before any select so that the loops if-convert (vectorize). */

/* ---- relu: 0 if x < 0 else x (relu(−0) = −0, relu(NaN) = NaN) ---- */

FA_INLINE T FA(relu_forward)(T x, const T *p, int np) { return x < 0 ? (T)0 : x; }
FA_INLINE T FA(relu_derivative)(T x, const T *p, int np) {
    return x > 0 ? (T)1 : (x <= 0 ? (T)0 : x);
}
FA_INLINE T FA(relu_vjp)(T g, T x, const T *p, int np) {
    return x > 0 ? g : (x <= 0 ? (T)0 : x);
}
FA_INLINE T FA(relu_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(relu_vjp)(g, y, p, np);
}

/* ---- leaky_relu(x, negative_slope): x if x > 0 else b·x; p = (b) ---- */

FA_INLINE T FA(leaky_relu_forward)(T x, const T *p, int np) {
    T b = p[0];
    return x > 0 ? x : b * x;
}
FA_INLINE T FA(leaky_relu_derivative)(T x, const T *p, int np) {
    T b = p[0];
    return x > 0 ? (T)1 : (x <= 0 ? b : x);
}
FA_INLINE T FA(leaky_relu_vjp)(T g, T x, const T *p, int np) {
    T b = p[0];
    return x > 0 ? g : (x <= 0 ? g * b : x);
}
/* Valid for b > 0, where y > 0 exactly when x > 0. */
FA_INLINE T FA(leaky_relu_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(leaky_relu_vjp)(g, y, p, np);
}
FA_INLINE T FA(leaky_relu_param_vjp)(T g, T x, const T *p, int np, int k) {
    return x > 0 ? (T)0 : g * x;
}

/* ---- elu(x, alpha): x if x > 0 else α·expm1(x); p = (α) ---- */

FA_INLINE T FA(elu_forward)(T x, const T *p, int np) {
    T alpha = p[0], below = alpha * EXPM1(x);
    return x > 0 ? x : below;
}
FA_INLINE T FA(elu_derivative)(T x, const T *p, int np) {
    T alpha = p[0], below = alpha * EXP(x);
    return x > 0 ? (T)1 : below;
}
FA_INLINE T FA(elu_vjp)(T g, T x, const T *p, int np) {
    T alpha = p[0], below = g * (alpha * EXP(x));
    return x > 0 ? g : below;
}
/* For α >= 0: y > 0 exactly when x > 0, and α·e^x = y + α below. */
FA_INLINE T FA(elu_vjp_from_y)(T g, T y, const T *p, int np) {
    T alpha = p[0];
    return y > 0 ? g : g * (y + alpha);
}
FA_INLINE T FA(elu_param_vjp)(T g, T x, const T *p, int np, int k) {
    T below = g * EXPM1(x);
    return x > 0 ? (T)0 : below;
}

/* =========================== the modern set (PyTorch's names and defaults) ===================
 * Constants are cast to T; a double-word constant (hi, lo) becomes (T)hi and the rest of it
 * rounded to T (scalar.py's _constant). Formulas that compute in double for both types (gelu′'s
 * tanh form, float64 mish) have their helpers compiled in the double pass only
 * (FA_DOUBLE_PASS), which activations.h runs first, and both instances call them (the _f64
 * names); formulas with a float version of their own (gelu's erf form, mish) define it in the
 * float pass (#else of FA_DOUBLE_PASS).
 */

#ifndef FA_MODERN_CONSTANTS
#define FA_MODERN_CONSTANTS
#define FA_SELU_SCALE 1.0507009873554804934193349852946
#define FA_SELU_SCALE_ALPHA_HI 1.7580993408473768 /* λ·α as hi + lo */
#define FA_SELU_SCALE_ALPHA_LO 1.41535193800845e-17
#define FA_GELU_C2_HI 1.5957691216057308 /* 2·√(2/π) as hi + lo */
#define FA_GELU_C2_LO -9.96930880911092e-17
#define FA_GELU_K_HI 0.044715 /* 0.044715 as hi + lo */
#define FA_GELU_K_LO 2.1960211427085595e-18
#define FA_GELU_K3_HI 0.134145 /* 3·0.044715 as hi + lo */
#define FA_GELU_K3_LO 1.3526957332032908e-17
/* The result is a float (a formula that computes in double then needs no compensation). */
#define FA_NARROW (sizeof(T) == sizeof(float))
#endif

/* v, or 0 where v is ±inf (error terms of arguments that overflowed). */
FA_INLINE T FA(finite_or_zero)(T v) { return FABS(v) < (T)INFINITY ? v : (T)0; }

/* x·d for a derivative factor d that vanishes at |x| = inf: the limit 0 where d == 0. */
FA_INLINE T FA(times_slope)(T x, T d) { return d == 0 ? (T)0 : x * d; }

/* ---- selu: λ·x if x > 0 else λα·expm1(x) ---- */

FA_INLINE T FA(selu_forward)(T x, const T *p, int np) {
    T above = (T)FA_SELU_SCALE * x, below = (T)FA_SELU_SCALE_ALPHA_HI * EXPM1(x);
    return x > 0 ? above : below;
}
FA_INLINE T FA(selu_derivative)(T x, const T *p, int np) {
    T below = (T)FA_SELU_SCALE_ALPHA_HI * EXP(x);
    return x > 0 ? (T)FA_SELU_SCALE : below;
}
FA_INLINE T FA(selu_vjp)(T g, T x, const T *p, int np) {
    return g * FA(selu_derivative)(x, p, np);
}
/* y > 0 exactly when x > 0; below, λα·e^x = y + λα (λα as hi + lo: y + hi is exact where it
 * cancels). */
FA_INLINE T FA(selu_vjp_from_y)(T g, T y, const T *p, int np) {
    T hi = (T)FA_SELU_SCALE_ALPHA_HI;
    T lo = (T)(FA_SELU_SCALE_ALPHA_LO + (FA_SELU_SCALE_ALPHA_HI - (double)hi));
    T below = (y + hi) + lo;
    return g * (y > 0 ? (T)FA_SELU_SCALE : below);
}

/* ---- celu(x, alpha): x if x > 0 else α·expm1(x/α); p = (α) ---- */

/* q = fl(x/α) and its rounding error *dq: x/α = q + dq to first order. */
FA_INLINE T FA(celu_quotient)(T x, T a, T *dq) {
    T q = x / a;
    *dq = FA(finite_or_zero)(FMA(-q, a, x) / a);
    return q;
}
FA_INLINE T FA(celu_forward)(T x, const T *p, int np) {
    T a = p[0], dq, q = FA(celu_quotient)(x, a, &dq);
    T m = EXPM1(q), correction = dq * EXP(q);   /* unless e^q overflowed (α < 0) */
    T below = a * (m + (FABS(m) < (T)INFINITY ? correction : (T)0));
    return x > 0 ? x : below;
}
FA_INLINE T FA(celu_derivative)(T x, const T *p, int np) {
    T a = p[0], dq, q = FA(celu_quotient)(x, a, &dq);
    T e = EXP(q);
    T below = e + (e < (T)INFINITY ? dq * e : (T)0);
    return x > 0 ? (T)1 : below;
}
FA_INLINE T FA(celu_vjp)(T g, T x, const T *p, int np) {
    return g * FA(celu_derivative)(x, p, np);
}
/* For α > 0: y > 0 exactly when x > 0; below, e^(x/α) = y/α + 1. */
FA_INLINE T FA(celu_vjp_from_y)(T g, T y, const T *p, int np) {
    T a = p[0], below = g * (y / a + (T)1);
    return y > 0 ? g : below;
}
/* d/dα [α·expm1(x/α)] = expm1(q) − q·e^q, q = x/α: for |q| ≤ 1 (where it cancels) the series
 * Σ_(n≥2) (1 − n)/n!·qⁿ = q²·Σ_(n=2..20) (1 − n)/n!·q^(n−2), else directly. */
FA_INLINE T FA(celu_param_vjp)(T g, T x, const T *p, int np, int k) {
    static const double series_coefficients[19] = {
        -0.5, -0.3333333333333333, -0.125, -0.03333333333333333, -0.006944444444444444,
        -0.0011904761904761906, -0.00017361111111111112, -2.2045855379188714e-05,
        -2.48015873015873e-06, -2.505210838544172e-07, -2.296443268665491e-08,
        -1.9270852604185937e-09, -1.4911969277048643e-10, -1.0706029224547743e-11,
        -7.169215998581078e-13, -4.498331606952833e-14, -2.6552651846596585e-15,
        -1.4797143443923793e-16, -7.809603484293113e-18};
    T q = x / p[0];
    T series = 0;
    _Pragma("GCC unroll 19")
    for (int i = 18; i >= 0; i--)
        series = series * q + (T)series_coefficients[i];
    T e = EXP(q);
    T direct = EXPM1(q) - FA(times_slope)(q, e);
    T d = FABS(q) <= 1 ? q * q * series : direct;
    return x > 0 ? (T)0 : g * d;
}

/* ---- gelu(x, approximate): x·Φ(x) (p = (0)) or x·σ(2u), u = √(2/π)(x + 0.044715x³) (p = (1)).
 * Two kernel sets, one per form, so that a loop computes only its own; the backend picks by
 * p[0]. The erf form computes in T (one formula per type below); the tanh form's f in T, its f′
 * in double. */

/* 1 + k·x² as b + *eb, k = k_hi + k_lo. */
FA_INLINE T FA(gelu_tanh_poly)(T x, T k_hi, T k_lo, T *eb) {
    T ex2, x2 = FA(two_product)(x, x, &ex2);
    T ea, a = FA(two_product)(k_hi, x2, &ea);
    ea += k_hi * ex2 + k_lo * x2;
    T b = FA(two_sum)((T)1, a, eb);
    *eb += ea;
    return b;
}

/* 2u = 2√(2/π)·x·(1 + 0.044715x²) as w + *dw, in T. */
FA_INLINE T FA(gelu_tanh_arg)(T x, T *dw) {
    const T k_hi = (T)FA_GELU_K_HI, c2_hi = (T)FA_GELU_C2_HI;
    const T k_lo = (T)(FA_GELU_K_LO + (FA_GELU_K_HI - (double)k_hi));
    const T c2_lo = (T)(FA_GELU_C2_LO + (FA_GELU_C2_HI - (double)c2_hi));
    T eb, b = FA(gelu_tanh_poly)(x, k_hi, k_lo, &eb);
    T em, m = FA(two_product)(c2_hi, x, &em);
    em += c2_lo * x;
    T ew, w = FA(two_product)(m, b, &ew);
    ew += m * eb + em * b;
    *dw = FA(finite_or_zero)(ew);
    return w;
}

/* The tanh form's f = x·σ(w) in T, w = 2u as a double-word. */
FA_INLINE T FA(gelu_tanh_forward)(T x, const T *p, int np) {
    T dw, w = FA(gelu_tanh_arg)(x, &dw);
    return FA(times_sig)(x, w, dw);
}

#ifdef FA_DOUBLE_PASS /* double-only helpers */
/* dw/dx = 2√(2/π)(1 + 3·0.044715x²) as d + *dd. */
FA_INLINE T FA(gelu_tanh_arg_slope)(T x, T *dd) {
    T eb, b = FA(gelu_tanh_poly)(x, (T)FA_GELU_K3_HI, (T)FA_GELU_K3_LO, &eb);
    T ed, d = FA(two_product)((T)FA_GELU_C2_HI, b, &ed);
    *dd = ed + ((T)FA_GELU_C2_HI * eb + (T)FA_GELU_C2_LO * b);
    return d;
}

/* 2u in double's plain roundings, for a float result. */
FA_INLINE T FA(gelu_tanh_arg_narrow)(T x) {
    return ((T)FA_GELU_C2_HI * x) * ((T)1 + (T)FA_GELU_K_HI * (x * x));
}

/* The tanh form's σ(2u) and *slope = σ'(2u): compensated, both × 2^S (S of EXP_SCALED: normal
 * where σ and σ' are subnormal, near x = −21), or for a float result (narrow) in double's plain
 * roundings, unscaled. Returns the factor that scales them back (2^−S, or 1). */
FA_INLINE T FA(gelu_tanh_cdf)(T x, T *cdf, T *slope, int narrow) {
    if (narrow) {
        *cdf = FA(plain_sigma)(FA(gelu_tanh_arg_narrow)(x), slope);
        return (T)1;
    }
    T dw, w = FA(gelu_tanh_arg)(x, &dw);
    T slope_s = FA(scaled_sig_slope_)((T)1, w, dw, 0, 1);
    *slope = FABS(w) > -(T)EXP_SCALED_LO ? (T)0 : slope_s;   /* rounds to 0 beyond the clamp */
    *cdf = FA(sig_times_scale)(w, dw);
    return (T)EXP_SCALE;
}

/* The zero x0 of the tanh form's f′ as hi + lo, and Q(u) = M(x0 + u)/u = Q0 + u·R(τ), τ = u + 0.45,
 * M = 1 + e^w + x·dw/dx: Q0 as hi + lo, R highest degree first (scalar.py's _GELU_TANH_X0, _Q0, _R). */
#define FA_GELU_TANH_X0_HI -0.7524614220710163
#define FA_GELU_TANH_X0_LO 3.635560509207687e-17
#define FA_GELU_TANH_Q0_HI 2.4606567646302393
#define FA_GELU_TANH_Q0_LO 1.3772482058913877e-16
static const double fa_gelu_tanh_r[21] = {
    7.313322521434181e-13, 3.9146654740086436e-12, 1.2841617639990552e-11, 5.520608791754863e-11,
    3.048850788859007e-10, 1.5078870087720685e-09, 6.230273329498285e-09, 2.738567285851373e-08,
    1.308858128521207e-07, 5.43716456571028e-07, 2.091707143844513e-06, 8.879419386202167e-06,
    3.636408321650806e-05, 0.00012823746810006905, 0.00045096910314364034, 0.0016837165155725667,
    0.0055985840196731565, 0.015948189107040277, 0.04575545436429555, 0.3471347379178677,
    -0.26710585236791845};
/* f′ = σ(w) + x·σ'(w)·dw/dx; for a double result x·dw/dx as a double-word, and with u = x − x0 in
 * (−1.7, 0.8) around f′'s zero, where the terms cancel more, σ'(w)·M, M = u·(Q0 + u·R(τ))
 * (scalar.py's _gelu_tanh_derivative64). */
FA_INLINE T FA(gelu_tanh_wide_derivative)(T x, int narrow) {
    T cdf, slope, unscale = FA(gelu_tanh_cdf)(x, &cdf, &slope, narrow);
    /* × dw/dx, unless σ' is 0 */
    if (narrow)
        return slope == 0 ? cdf : FMA(x * ((T)FA_GELU_C2_HI * FMA((T)FA_GELU_K3_HI, x * x, (T)1)), slope, cdf);
    T dd, d = FA(gelu_tanh_arg_slope)(x, &dd);
    T et, t = FA(two_product)(x, d, &et);
    T direct = (slope == 0 ? cdf : FMA(t, slope, FMA(et + x * dd, slope, cdf))) * unscale;
    T uh = x - (T)FA_GELU_TANH_X0_HI;
    T tau = uh + (T)0.45;
    T low = uh * FMA(uh, fa_poly_f64(fa_gelu_tanh_r, 21, tau), (T)FA_GELU_TANH_Q0_LO)
            - (T)FA_GELU_TANH_X0_LO * (T)FA_GELU_TANH_Q0_HI;
    T near = (slope * FMA(uh, (T)FA_GELU_TANH_Q0_HI, low)) * unscale;
    return FABS(tau) < (T)1.25 ? near : direct;
}

/* The erf form for double (scalar.py's _gelu64 and _gelu_slope64), as the float one below with
 * longer polynomials and more of the roundings carried. a = min(|x|, 38.75); e^(−a²/2) =
 * EXP_SCALED(−h/2)·(1 − l/2)·2^−128, a² = h + l exact, the factor 1 − l/2 folded into the low
 * part of the other factor. u = a/(a + C), τ = u − U0 and ul, the rounding errors of u and τ
 * (d = a + C: its error (C − d) + a is exact, C having few bits; 1/(a + C) = (1 − u)/C); a
 * polynomial c0 + τ·q(τ) (c0 as two doubles, q of degree 19) ends with τ·q exact (fma) and
 * c0h + τq by fast two-sum, corrected by P′(τ)·ul (P′ a cubic).
 *   gelu, |x| < 1: Φ(x) = ½ + x·(c0 + h·R(h)), c0 = 1/√(2π) as two doubles, x·c0 exact,
 *     ½ + x·c0h by fast two-sum, R of degree 9; gelu = fma(x, sh, x·sl) (tiny x: x/2).
 *   gelu, |x| ≥ 1: U = a·Φ(−a) = e^(−a²/2)·G(u), C = 4, U0 = 35/64, G of degree 20 (relative fit
 *     error 5.4e-18); gelu = −U (x < 0) or x − U.
 *   gelu′ = D(−a) (x ≤ 0) or 1 − D(−a): D(−a) = e^(−a²/2)·(x0 − a)·H(u), x0 as three doubles,
 *     x0 − a exact near x0; C = 4.5, U0 = 29/64, H of degree 20 (relative fit error 7.7e-18).
 * Measured (__float128 and mpmath references, 1e6 points per region of [−40, 40], near the zero
 * at −x0 ± 2^−k, k ≤ 60, subnormal results, log-uniform magnitudes): gelu ≤ 1.85 ULP, gelu′ ≤
 * 1.88 (exp_scaled's own error, ≤ 1.375·2^−53, is most of it); subnormal results within 0.8 of
 * the smallest subnormal. */
#define FA_GELU64_CLAMP 38.75
#define FA_GELU64_C0 0.3989422804014327, -2.49232720227773e-17    /* 1/√(2π) as hi, lo */
#define FA_GELU64_X0H 0x1.80ead197f00b4p-1                       /* x0 = X0H + X0L + X0LL */
#define FA_GELU64_X0L -0x1.13e74c58cada8p-56
#define FA_GELU64_X0LL -0x1.65d4b5b9cdd03p-111
/* τ = a/(a + C) − U0 and *ul, the rounding errors of u and τ. */
FA_INLINE double gelu_double_tau(double a, double C, double U0, double *ul) {
    double d = a + C, de = (C - d) + a;
    double u = a / d, tau = u - U0;
    *ul = (FMA(-u, d, a) - u * de) * ((1.0 - u) * (1.0 / C)) + (u - (tau + U0));
    return tau;
}
/* c0 + τ·q(τ) + P′(τ)·ul as ph + *pl, for c0 = (c0h, c0l), q highest degree first (20), P′ =
 * dp (a cubic, highest degree first). */
FA_INLINE double gelu_double_poly(double tau, double ul, const double *q, const double *dp,
                                  double c0h, double c0l, double *pl) {
    double r = fa_poly_f64(q, 20, tau);
    double s = tau * r, se = FMA(tau, r, -s);
    double ph = c0h + s;                                    /* |s| < c0: fast two-sum */
    double slope = ((dp[0] * tau + dp[1]) * tau + dp[2]) * tau + dp[3];
    *pl = ((c0h - ph) + s) + (se + FMA(slope, ul, c0l));
    return ph;
}
FA_INLINE double gelu_double_forward(double x) {
    static const double small_r[10] = {
        4.027756191237098e-12, -1.1040218249357437e-10, 2.2698808160979785e-09, -4.12234516935678e-08,
        6.659674970539896e-07, -9.444655563910057e-06, 0.00011543468745086112, -0.001187328215457141,
        0.00997355701003411, -0.0664903800669054};
    static const double tail_q[20] = {
        0.020121368059061555, 0.00993979731915766, -0.033090943775044894, -0.02377162983814235,
        0.03559777012827819, 0.037590321348523734, -0.037838529240002645, -0.05257801527629165,
        0.050397801493907844, 0.0697664991371186, -0.09197681064675889, -0.07526502248996379,
        0.20420600001205821, -0.03703513069199912, -0.37790297160878317, 0.7423439038631234,
        -0.8227645650665109, 0.6311129991102917, -0.3411295028368806, 0.11089003064324494};
    static const double tail_dp[4] = {-3.488748713079777, 2.28474656943659, -0.6796252584613216,
                                      0.10604094737695269};
    static const double c0[2] = {FA_GELU64_C0};
    double a = MIN_ABS(x, FA_GELU64_CLAMP);                      /* NaN: kept from x at the end */
    double h = a * a, l = FMA(a, a, -h);
    double R = fa_poly_f64(small_r, 10, h);
    double m = x * c0[0], me = FMA(x, c0[0], -m);
    double sh = 0.5 + m;                                    /* |m| < ½: fast two-sum */
    double sl = ((0.5 - sh) + m) + (me + x * FMA(h, R, c0[1]));
    double small = FMA(x, sh, x * sl);
    double scaled = EXP_SCALED(-0.5 * h);                   /* e^(−h/2)·2^128 */
    double ul, tau = gelu_double_tau(a, 4.0, 0.546875, &ul);
    double pl, ph = gelu_double_poly(tau, ul, tail_q, tail_dp, 0.38365923443470873,
                                     -2.4909544912854464e-17, &pl);
    pl = FMA(-ph, 0.5 * l, pl);                             /* × (1 − l/2) */
    double U = FMA(scaled, ph, scaled * pl) * EXP_SCALE;     /* rounds once if subnormal */
    double tail = x < 0.0 ? -U : x - U;
    return a < 1.0 ? small : tail;
}
FA_INLINE double gelu_double_derivative(double x) {
    static const double h_q[20] = {
        -0.0002927437236721224, -5.462922087731987e-05, 0.000751762505236974, 0.0002996141932280199,
        -0.0012539042240192148, -0.000824851648880691, 0.002013390392210008, 0.0017298479848555902,
        -0.0037682932636636385, -0.0030215632987793772, 0.008810455921099641, 0.0027651930249176023,
        -0.02372787436847622, 0.01685665460372874, 0.04787402876572458, -0.1567864093529671,
        0.2585955168469184, -0.3049983382710242, 0.28353864954570474, -0.21707901534815155};
    static const double h_dp[4] = {1.1063644126573555, -1.0465778792114904, 0.5634201584280482,
                                   -0.21445608530286173};
    double a = MIN_ABS(x, FA_GELU64_CLAMP);                      /* NaN: kept from x at the end */
    double h = a * a, l = FMA(a, a, -h);
    double scaled = EXP_SCALED(-0.5 * h);                   /* e^(−h/2)·2^128 */
    double ul, tau = gelu_double_tau(a, 4.5, 0.453125, &ul);
    double pl, ph = gelu_double_poly(tau, ul, h_q, h_dp, 0.4659172772478842,
                                     1.4013313079375145e-17, &pl);
    /* x0 − a = wh + wl: X0H − a by two-sum (exact near x0), + X0L by fast two-sum, + X0LL */
    double dl, dd = FA(two_sum)(FA_GELU64_X0H, -a, &dl);
    double wh = dd + FA_GELU64_X0L, wl = ((dd - wh) + FA_GELU64_X0L) + (dl + FA_GELU64_X0LL);
    double qh = wh * ph;
    double ql = FMA(wh, ph, -qh) + FMA(wh, pl, wl * ph);
    ql = FMA(-qh, 0.5 * l, ql);                             /* × (1 − l/2) */
    double dn = FMA(scaled, qh, scaled * ql) * EXP_SCALE;
    return x <= 0.0 ? dn : (x > 0.0 ? 1.0 - dn : x);
}
#define FA_GELU_ERF_FORWARD gelu_double_forward
#define FA_GELU_ERF_DERIVATIVE gelu_double_derivative
#else
/* The erf form for float in float (scalar.py's _gelu32 and _gelu_slope32). a = min(|x|, 15);
 * e^(−a²/2) = EXP_SCALED(−h/2)·(1 − l/2)·2^−48 with a² = h + l exact: the factor 1 − l/2 is
 * folded into the low part of the other factor and the scale undone once at the end, so
 * subnormal results round once.
 * gelu(x) = x·Φ(x):
 *   |x| < 1: Φ(x) = ½ + x·(c0 + x²R(x²)), R of degree 4: x < 0: x·(fma(x, c0, ½) + x³R);
 *            x ≥ 0: x/2 + x·(c0x + x³R) by one fma (no rounding of Φ ≈ ½).
 *   |x| ≥ 1: U = a·Φ(−a) = u·W(u − UC)·e^(−a²/2), u = a/(a + 3); gelu = −U (x < 0) or x − U.
 *            u carries the roundings of a + 3 and of the division (ul), u − UC is exact
 *            (Sterbenz), W of degree 8 (relative fit error 9e-9) with its last step as hi + lo
 *            and ul added as W′·ul (W′ by a line); u·W·(1 − l/2) as qh + ql.
 * gelu′(x) = Φ(x) + xφ(x) = D(−a) for x ≤ 0, 1 − D(−a) for x > 0, D(−a) = e^(−a²/2)·(x0 − a)·
 *   H(t), t = (a − CH)/(a + CH), x0 = 0.751791524693564457… (gelu′(−x0) = 0) as three floats,
 *   so that x0 − a is exact near x0 and gelu′ accurate relative to itself at its zero; H of
 *   degree 9 in t − TH0 (relative fit error 1.8e-9), its last step as hi + lo.
 * Measured over every float of [−20, 20] (and every subnormal, 2e7 random bit patterns):
 * gelu ≤ 1.98 ULP, gelu′ ≤ 2.003 ULP. */
#define FA_GELU32_CLAMP 15.0f          /* a beyond: a·Φ(−a) and gelu′(−a) round to 0 */
#define FA_GELU32_UC 0x1.d55556p-2f    /* W's expansion point in u */
#define FA_GELU32_CH 3.36328125f
#define FA_GELU32_TH0 -0.1474609375f   /* H expanded in t − TH0 */
#define FA_GELU32_X0H 0x1.80ead2p-1f   /* x0 = X0H + X0L + X0LL */
#define FA_GELU32_X0L -0x1.a03fd4p-27f
#define FA_GELU32_X0LL 4.2913e-16f
FA_INLINE float gelu_float_forward(float x) {
    float a = MIN_ABS(x, FA_GELU32_CLAMP);                      /* NaN: kept from x at the end */
    float h = a * a, l = FMA(a, a, -h);
    static const float small_r[5] = {-8.17178716e-06f, 1.15023962e-04f, -1.18802383e-03f,
                                     9.97416396e-03f, -6.64905384e-02f};
    static const float tail_w[8] = {-1.46889519e-02f, -1.21934287e-01f, 9.64869708e-02f,
                                    2.03385785e-01f, -2.11775914e-01f, -3.46467674e-01f,
                                    9.65431929e-01f, -1.09725392e+00f};
    float R = fa_poly_f32(small_r, 5, h);
    float xh = x * h;
    float below = x * FMA(xh, R, FMA(x, 3.98942292e-01f, 0.5f));
    float above = FMA(x, FMA(xh, R, x * 3.98942292e-01f), 0.5f * x);
    float small = x < 0.0f ? below : above;
    float scaled = EXP_SCALED(-0.5f * h);                    /* e^(−h/2)·2^48 */
    float d = a + 3.0f;
    float de = (3.0f - d) + a;                               /* a + 3 − d, exact for a ≥ 1 */
    float u = a / d;
    float ul = (FMA(-u, d, a) - u * de) * ((1.0f - u) * (1.0f / 3.0f));   /* 1/d = (1 − u)/3 */
    float tau = u - FA_GELU32_UC;                            /* exact */
    float r = fa_poly_f32(tail_w, 8, tau);
    float s = tau * r;                                       /* |s| ≤ 0.38·c0: fast two-sum */
    float ph = 7.73152173e-01f + s;
    float pl = (7.73152173e-01f - ph) + s;
    pl = FMA(FMA(1.6347181f, tau, -1.122059f), ul, pl);     /* + W′(τ)·ul */
    float qh = u * ph;
    float ql = FMA(u, ph, -qh) + FMA(u, pl, ul * ph);
    ql = FMA(-qh, 0.5f * l, ql);                             /* × (1 − l/2) */
    float U = FMA(scaled, qh, scaled * ql) * EXP_SCALE;      /* rounds once if subnormal */
    float tail = x < 0.0f ? -U : x - U;
    return a < 1.0f ? small : tail;
}
FA_INLINE float gelu_float_derivative(float x) {
    float a = MIN_ABS(x, FA_GELU32_CLAMP);                      /* NaN: kept from x at the end */
    float h = a * a, l = FMA(a, a, -h);
    float scaled = EXP_SCALED(-0.5f * h);                    /* e^(−h/2)·2^48 */
    float u = a / (a + FA_GELU32_CH);
    float tau = FMA(u, 2.0f, -(1.0f + FA_GELU32_TH0));      /* t − TH0, in [−0.853, 0.782] */
    static const float h_q[9] = {9.24883898e-06f, 3.11417680e-05f, -7.64523284e-05f,
                                 -3.35233432e-04f, 9.38639569e-04f, 2.82098469e-03f,
                                 -2.18794532e-02f, 6.66284785e-02f, -1.31882831e-01f};
    float p = fa_poly_f32(h_q, 9, tau);
    float s = p * tau;                                       /* |s| < 0.4·c0: fast two-sum */
    float ph = 4.89687830e-01f + s;
    float pl = (4.89687830e-01f - ph) + s;
    /* x0 − a = wh + wl: X0H − a = dd + dl (two-sum; dl = 0 near x0), + X0L by fast two-sum
     * (|dd| ≥ |X0L| or dd = 0), + X0LL */
    float dl, dd = FA(two_sum)(FA_GELU32_X0H, -a, &dl);
    float wh = dd + FA_GELU32_X0L, wl = ((dd - wh) + FA_GELU32_X0L) + (dl + FA_GELU32_X0LL);
    float qh = wh * ph;
    float ql = FMA(wh, ph, -qh) + FMA(wh, pl, wl * ph);
    ql = FMA(-qh, 0.5f * l, ql);                             /* × (1 − l/2) */
    float dn = FMA(scaled, qh, scaled * ql) * EXP_SCALE;     /* D(−a), rounded once */
    return x <= 0.0f ? dn : (x > 0.0f ? 1.0f - dn : x);
}
#undef FA_GELU_ERF_FORWARD
#undef FA_GELU_ERF_DERIVATIVE
#define FA_GELU_ERF_FORWARD gelu_float_forward
#define FA_GELU_ERF_DERIVATIVE gelu_float_derivative
#endif

FA_INLINE T FA(gelu_forward)(T x, const T *p, int np) { return FA_GELU_ERF_FORWARD(x); }
FA_INLINE T FA(gelu_derivative)(T x, const T *p, int np) { return FA_GELU_ERF_DERIVATIVE(x); }
FA_INLINE T FA(gelu_vjp)(T g, T x, const T *p, int np) { return g * FA_GELU_ERF_DERIVATIVE(x); }
FA_INLINE T FA(gelu_tanh_derivative)(T x, const T *p, int np) {
    return (T)gelu_tanh_wide_derivative_f64((double)x, FA_NARROW);
}
FA_INLINE T FA(gelu_tanh_vjp)(T g, T x, const T *p, int np) {
    return g * FA(gelu_tanh_derivative)(x, p, np);
}

/* ---- silu: x·σ(x) and swish(x, beta): x·σ(βx); p = (β); all in T ---- */

/* silu(x) = q (x >= 0) or q·e (x < 0), q = x/(1 + e), e = exp(−|x|) (scalar.py's silu_forward):
 * one division (with e in the numerator gcc divided twice and blended: 24 % slower); for x < 0,
 * e·2^S (EXP_SCALED) is normal and the product is scaled back once, last, so the result stays
 * accurate where e^x is subnormal; −0 below EXP_SCALED_LO (x·e^x rounds to 0; x = −inf). */
FA_INLINE T FA(silu_forward)(T x, const T *p, int np) {
    T scaled = EXP_SCALED(-FABS(x));
    T q = x / ((T)1 + scaled * (T)EXP_SCALE);
    T below = x < (T)EXP_SCALED_LO ? (T)-0.0 : (q * scaled) * (T)EXP_SCALE;
    return x >= 0 ? q : below;
}
/* silu′(x) = σ(x)(1 + x(1 − σ(x))) = v/(1 + e)², e = e^(−|x|) (scalar.py's _silu_slope):
 *   x ≥ 0: v = 1 + e(1 + x);   x < 0: v = e·n, n = 1 + x + e^x,
 * n by two-sums (1 + x is exact for x ≤ −0.5) except on |u| < 0.5, u = x − x0 around the
 * zero x0 = −1.27846454276107 of n, where n = (1 + c)u + u²·Σ_(k≥2) c·u^(k−2)/k!, c = e^x0 =
 * −1 − x0 (k ≤ 8 for float, 15 for double), with u = uh − x0_lo, uh = x − x0_hi exact: no
 * cancellation anywhere. v/(1 + e)² is corrected once by its residual (1 + e = h + l,
 * (1 + e)² = hh + hh_lo, v = v + v_lo), and for x < 0 e comes scaled by 2^S (EXP_SCALED),
 * undone after the division, so that subnormal results are rounded once.
 * silu_slope(z, dz): silu′(z + dz) for a rounding error dz (swish′(x) = silu′(βx)), by the
 * first-order term dz·silu″(z) = dz·e(2 + z(1 − 2σ(z)))/(1 + e)² in the numerator. */
#ifndef FA_SILU_CONSTANTS
#define FA_SILU_CONSTANTS
#define FA_SILU_X0_HI -1.2784645427610737 /* x0 as hi + lo */
#define FA_SILU_X0_LO -1.0946994183093437e-16
/* c/k! for k = 15, 14, …, 2 */
static const double fa_silu_near[14] = {
    2.1294639520002719e-13, 3.1941959280004079e-12, 4.4718742992005711e-11, 5.8134365889607424e-10,
    6.9761239067528909e-9, 7.67373629742818e-8, 7.67373629742818e-7, 6.906362667685362e-6,
    5.5250901341482896e-5, 0.00038675630939038027, 0.0023205378563422816, 0.011602689281711408,
    0.046410757126845633, 0.1392322713805369};
#endif
FA_INLINE T FA(silu_slope_)(T x, T dx, int exact) {
    const T one = 1, x0_hi = (T)FA_SILU_X0_HI;
    const T x0_lo = (T)(FA_SILU_X0_LO + (FA_SILU_X0_HI - (double)x0_hi));
    T a = FABS(x);
    a = a > -(T)EXP_SCALED_LO ? -(T)EXP_SCALED_LO : a;   /* NaN passes */
    T scaled = EXP_SCALED(-a), e = scaled * (T)EXP_SCALE;
    T uh = x - x0_hi, u = uh - x0_lo;
    T near_c[14];
    _Pragma("GCC unroll 14")
    for (int i = 0; i < 14; i++)
        near_c[i] = (T)fa_silu_near[i];
    T r = POLY(near_c + (FA_NARROW ? 7 : 0), FA_NARROW ? 7 : 14, u);
    /* (1 + c)u with 1 + c = −x0 */
    T near = FMA(uh, -x0_hi, (uh * -x0_lo + x0_lo * x0_hi) + (u * u) * r);
    T one_x = one + x, one_x_lo = x - (one_x - one);
    T d_lo, d = FA(two_sum)(one_x, e, &d_lo);
    int band = FABS(u) < (T)0.5;
    T n = band ? near : d, n_lo = band ? (T)0 : d_lo + one_x_lo;
    T ne_lo, ne = FA(two_product)(n, scaled, &ne_lo);
    ne_lo += n_lo * scaled;
    T v = x >= 0 ? FMA(e, one + a, one) : ne, v_lo = x >= 0 ? (T)0 : ne_lo;
    T h = one + e, l = e - (h - one);
    T hh = h * h, hh_lo = FMA(h, h, -hh) + (T)2 * h * l;
    T inv = one / hh, q = v * inv;
    if (!exact) {   /* a constant: + dx·silu″(x)·(1 + e)², in v's scale; 0 where dx is */
        T c = (x >= 0 ? e - one : one - e) * (h * inv);
        T term = dx * (x >= 0 ? e : scaled) * ((T)2 + x * c);
        v_lo += dx != 0 ? term : (T)0;
    }
    T result = q + (FMA(-q, hh, v) + (v_lo - q * hh_lo)) * inv;
    T below = x < (T)EXP_SCALED_LO ? (T)-0.0 : result * (T)EXP_SCALE;   /* x·e^x rounds to −0 */
    return x >= 0 ? result : below;
}
FA_INLINE T FA(silu_derivative)(T x, const T *p, int np) { return FA(silu_slope_)(x, (T)0, 1); }
FA_INLINE T FA(silu_vjp)(T g, T x, const T *p, int np) {
    return g * FA(silu_derivative)(x, p, np);
}

/* x·σ(βx), βx = z + dz exactly. */
FA_INLINE T FA(swish_forward)(T x, const T *p, int np) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    return FA(times_sig)(x, z, dz);
}
FA_INLINE T FA(swish_derivative)(T x, const T *p, int np) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    return FA(silu_slope_)(z, dz, 0);
}
FA_INLINE T FA(swish_vjp)(T g, T x, const T *p, int np) {
    return g * FA(swish_derivative)(x, p, np);
}
/* d/dβ [x·σ(βx)] = x²·σ′(βx): 0 where σ′ underflows, even at x = ±inf (in T). */
FA_INLINE T FA(swish_param_vjp)(T g, T x, const T *p, int np, int k) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    return g * FA(times_slope)(x, FA(times_slope)(x, FA(sig_slope)(z, dz)));
}

/* ---- mish: x·tanh(softplus(x)); the double formula below, the float one after it ---- */

#ifdef FA_DOUBLE_PASS
/* t = tanh(softplus(x)) = n/(n + 2), n = e^x(e^x + 2), from e = e^(−|x|) (for x ≥ 0, n and
 * n + 2 are divided by e^(2x)): nothing overflows. */
FA_INLINE T FA(mish_t)(T x) {
    T e = FA(exp_neg_abs)(x);
    int positive = x >= 0;
    T num = positive ? (T)1 + (T)2 * e : e * (e + (T)2);
    T den = num + (positive ? (T)2 * (e * e) : (T)2);
    return num / den;
}
FA_INLINE T FA(mish_forward)(T x, const T *p, int np) {
    double xd = (double)x, t = mish_t_f64(xd);
    return (T)(t != 0 ? xd * t : -0.0);
}
/* mish′, one division (scalar.py's _mish_slope64, which says how): e = e^(−|x|)·2^128 from
 * EXP_SCALED, D = a0 + 2e + k·e² and D² as hi + lo; x < 0: E·N/D² with N = u·Q(τ) on [−1.75, 0)
 * and 4(1 + x) + E·(6 + 4x + E(4 + E)) below, carried; x ≥ 0: 1 − 2e²K/D′², K = D′ − 2x(1 + e). */
#define FA_MISH_X0H -0x1.31432c0d12d84p+0   /* x0 as hi + lo (the float pass uses them too) */
#define FA_MISH_X0L -0x1.bf319154da210p-55
#define FA_MISH_Q0H_64 7.260069717145636       /* Q = Q0 + τ·R(τ): Q0 as hi + lo */
#define FA_MISH_Q0L_64 1.3444106938820255e-16
static const double fa_mish_r64[18] = {   /* R: τ^17 … τ^0 (tools/mish/fit.py f64 18) */
    7.13924311890405e-10, 4.522639078310087e-09, 2.47724582587207e-08, 1.4063226847101073e-07,
    7.564197003182101e-07, 3.8097834035699883e-06, 1.7993263492053556e-05, 7.949604503677116e-05,
    0.0003277134763791106, 0.0012581207259398314, 0.004493444889693044, 0.014935057068676528,
    0.046293501318808265, 0.13423740248791335, 0.36383593648809387, 0.9054542502020264,
    1.9570336862576985, 3.259836260921404};
FA_INLINE T FA(mish_derivative)(T x, const T *p, int np) {
    int positive = x >= 0;
    T xc = x > (T)40 ? (T)40 : x;          /* NaN passes; clamped, so all below is finite */
    xc = xc < (T)EXP_SCALED_LO ? (T)EXP_SCALED_LO : xc;
    T scaled = EXP_SCALED(-FABS(xc)), e = scaled * (T)EXP_SCALE;
    T k = positive ? (T)2 : (T)1;
    T eel, ee = FA(two_product_finite)(e, e, &eel);
    T g2 = k * ee, gh = (T)2 * e + g2;                    /* 2e ≥ k·e²: fast two-sum */
    T dl, dh = FA(two_sum_finite)(positive ? (T)1 : (T)2, gh, &dl);
    dl += (((T)2 * e - gh) + g2) + k * eel;
    T hh = dh * dh, hhl = FMA(dh, dh, -hh) + (T)2 * dh * dl;
    T uhe, uh = FA(two_sum_finite)(xc, -(T)FA_MISH_X0H, &uhe);
    T ul, u = FA(two_sum_finite)(uh, -(T)FA_MISH_X0L, &ul);
    T tau = u - (T)0.3125;
    T r = fa_poly_f64(fa_mish_r64, 18, tau);
    T sq = tau * r;
    T qh = (T)FA_MISH_Q0H_64 + sq;                        /* |τ·R| < Q0: fast two-sum */
    T ql = (((T)FA_MISH_Q0H_64 - qh) + sq) + (FMA(tau, r, -sq) + (T)FA_MISH_Q0L_64);
    T band_h = u * qh;
    T band_l = FMA(u, qh, -band_h) + (u * ql + (ul + uhe) * qh);
    T ol, oh = FA(two_sum_finite)((T)1, xc, &ol);
    T pe = e * FMA(e, (T)4 + e, FMA((T)4, xc, (T)6));
    T out_h = (T)4 * oh + pe;
    T out_l = (((T)4 * oh - out_h) + pe) + (T)4 * ol;
    int band = xc >= (T)-1.75;
    T nh = band ? band_h : out_h, nl = band ? band_l : out_l;
    T mh = scaled * nh, ml = FMA(scaled, nh, -mh) + scaled * nl;
    mh = positive ? (T)2 * ee * (dh - (T)2 * xc * ((T)1 + e)) : mh;
    ml = positive ? (T)0 : ml;
    T inv = (T)1 / hh, q = mh * inv;
    q += (FMA(-q, hh, mh) + (ml - q * hhl)) * inv;
    T below = x < (T)EXP_SCALED_LO ? (T)-0.0 : q * (T)EXP_SCALE;
    return positive ? (T)1 - q : below;
}
#else
/* float (scalar.py's _mish32, _mish_slope32): E = e^x from EXP_SCALED(x)·2^−48 in float lanes
 * (x clamped to 20, where mish = x and mish′ = 1 in float), exact and normal in double, then
 * in double: with n = E(E + 2), D = n + 2,
 *     mish = x·n/D,   mish′ = E·N/D²,  N = 4(1 + x) + E·(6 + 4x + E(4 + E)),
 * rounded to float once (subnormal results too). N cancels around mish′'s zero x0 = −1.19243…,
 * where an error in E would move the computed zero: on [−1.75, 0) N = u·Q(u − 0.3125), u = x − x0
 * (x0 as hi + lo: FA_MISH_X0H/L of the double pass; the difference exact near x0), Q of degree
 * 10 (relative fit error 2.5e-9), so E only multiplies. Measured over every float of [−20, 20] and [−120, −87]: mish ≤ 1.71 ULP,
 * mish′ ≤ 1.78 (fits: tools/mish/fit.py). */
static const double fa_mish_q10[11] = {   /* Q: τ^10 … τ^0 */
    0.0003641481999237246, 0.0014356782890104713, 0.004469998615768545, 0.014797382377422855,
    0.046298329668925976, 0.13428345295507532, 0.3638361737720121, 0.9054480215369018,
    1.9570335712160367, 3.2598364944298797, 7.260069719840461};
FA_INLINE double mish_float_exp(float x) {
    return (double)EXP_SCALED(x > 20.0f ? 20.0f : x) * (double)EXP_SCALE;
}
FA_INLINE T FA(mish_forward)(T x, const T *p, int np) {
    double E = mish_float_exp(x), n = E * (E + 2.0);
    float r = (float)((double)x * n / (n + 2.0));            /* rounds once, subnormals too */
    r = x < EXP_SCALED_LO ? -0.0f : r;                       /* x·t rounds to −0 (x = −inf) */
    return x > 20.0f ? x : r;                                /* NaN passes; ±0 keep the sign */
}
FA_INLINE T FA(mish_derivative)(T x, const T *p, int np) {
    double E = mish_float_exp(x), xd = x > 20.0f ? 20.0f : x;
    double D = E * (E + 2.0) + 2.0;
    double outside = 4.0 * (1.0 + xd) + E * __builtin_fma(E, 4.0 + E, 6.0 + 4.0 * xd);
    double u = (xd - FA_MISH_X0H) - FA_MISH_X0L, tau = u - 0.3125;
    double q = fa_poly_f64(fa_mish_q10, 11, tau);
    /* two selects, not one on (a && b): gcc then keeps the loop vectorizable */
    double inside = xd >= -1.75 ? u * q : outside;
    double N = xd < 0.0 ? inside : outside;
    float r = (float)(E * N / (D * D));                      /* rounds once, subnormals too */
    return x < EXP_SCALED_LO ? -0.0f : r;                    /* NaN passes */
}
#endif
FA_INLINE T FA(mish_vjp)(T g, T x, const T *p, int np) {
    return g * FA(mish_derivative)(x, p, np);
}

/* ---- softplus(x, beta, threshold): x if βx > threshold else log(1 + e^(βx))/β; p = (β, thr) ---- */

/* log(1 + e^z) = max(z, 0) + log1p(e^(−|z|)). */
FA_INLINE T FA(softplus_of)(T z) {
    return (z > 0 ? z : (T)0) + LOG1P_UNIT(FA(exp_neg_abs)(z));
}

FA_INLINE T FA(softplus_forward)(T x, const T *p, int np) {
    T beta = p[0], threshold = p[1];
    T dz, z = FA(two_product)(beta, x, &dz);
    T sp = (FA(softplus_of)(z) + dz * FA(sigma)(z)) / beta;
    return z > threshold ? x : sp;
}
FA_INLINE T FA(softplus_derivative)(T x, const T *p, int np) {
    T beta = p[0], threshold = p[1];
    T dz, z = FA(two_product)(beta, x, &dz);
    T below = FA(sig)(z, dz);
    return z > threshold ? (T)1 : below;
}
FA_INLINE T FA(softplus_vjp)(T g, T x, const T *p, int np) {
    T beta = p[0], threshold = p[1];
    T below = g * FA(softplus_derivative)(x, p, np);
    return beta * x > threshold ? g : below;
}
/* For β > 0: σ(βx) = 1 − e^(−βy); y = x above the threshold. */
FA_INLINE T FA(softplus_vjp_from_y)(T g, T y, const T *p, int np) {
    T beta = p[0], threshold = p[1];
    T below = g * -EXPM1(-beta * y);
    return beta * y > threshold ? g : below;
}
/* d/dβ = (z·σ(z) − softplus(z))/β², z = βx, as −(|z|·e/(1 + e) + log1p(e))/β² with
 * e = e^(−|z|) (the two terms never cancel); 0 above the threshold. */
FA_INLINE T FA(softplus_param_vjp)(T g, T x, const T *p, int np, int k) {
    T beta = p[0], threshold = p[1];
    T z = beta * x;
    T e = FA(exp_neg_abs)(z);
    T h = -(FA(times_slope)(FABS(z), e / ((T)1 + e)) + LOG1P_UNIT(e));
    T below = g * (h / (beta * beta));
    return z > threshold ? (T)0 : below;
}

/* softplus with β = 1 (table.h: softplus1, the default): no product βx to carry and no division
 * by β, half the divisions per element; the same values as softplus_* with p[0] = 1. */
FA_INLINE T FA(softplus1_forward)(T x, const T *p, int np) {
    T threshold = p[1];
    T sp = FA(softplus_of)(x);
    return x > threshold ? x : sp;
}
FA_INLINE T FA(softplus1_derivative)(T x, const T *p, int np) {
    T threshold = p[1];
    T below = FA(sigma)(x);
    return x > threshold ? (T)1 : below;
}
FA_INLINE T FA(softplus1_vjp)(T g, T x, const T *p, int np) {
    T threshold = p[1];
    T below = g * FA(sigma)(x);
    return x > threshold ? g : below;
}
FA_INLINE T FA(softplus1_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(softplus_vjp_from_y)(g, y, p, np);
}
FA_INLINE T FA(softplus1_param_vjp)(T g, T x, const T *p, int np, int k) {
    return FA(softplus_param_vjp)(g, x, p, np, k);
}

/* ---- softsign: x/(1 + |x|) ---- */

FA_INLINE T FA(softsign_forward)(T x, const T *p, int np) {
    T a = FABS(x), inside = x / ((T)1 + a);
    return a != (T)INFINITY ? inside : (x > 0 ? (T)1 : (T)-1);
}
/* 1/(1 + |x|)², squared after the division so that it underflows gradually. */
FA_INLINE T FA(softsign_derivative)(T x, const T *p, int np) {
    T d = (T)1 / ((T)1 + FABS(x));
    return d * d;
}
FA_INLINE T FA(softsign_vjp)(T g, T x, const T *p, int np) {
    return g * FA(softsign_derivative)(x, p, np);
}
FA_INLINE T FA(softsign_vjp_from_y)(T g, T y, const T *p, int np) {
    T c = (T)1 - FABS(y);
    return g * (c * c);
}

/* ---- hardtanh(x, min_val, max_val), relu6 = hardtanh(x, 0, 6); p = (min, max) ----
 * Kinks as PyTorch: f′ = 1 only strictly inside (min, max), 0 at and beyond the kinks. */

FA_INLINE T FA(clamp)(T x, T lo, T hi) { return x < lo ? lo : (x > hi ? hi : x); }
/* g inside (lo, hi), else 0 (blocking an infinite or NaN g); NaN where x is NaN. */
FA_INLINE T FA(inside_vjp)(T g, T x, T lo, T hi) {
    return (x > lo && x < hi) ? g : (x == x ? (T)0 : x);
}

FA_INLINE T FA(hardtanh_forward)(T x, const T *p, int np) {
    T lo = p[0], hi = p[1];
    return FA(clamp)(x, lo, hi);
}
FA_INLINE T FA(hardtanh_derivative)(T x, const T *p, int np) {
    T lo = p[0], hi = p[1];
    return FA(inside_vjp)((T)1, x, lo, hi);
}
FA_INLINE T FA(hardtanh_vjp)(T g, T x, const T *p, int np) {
    T lo = p[0], hi = p[1];
    return FA(inside_vjp)(g, x, lo, hi);
}
/* min < y < max exactly when min < x < max. */
FA_INLINE T FA(hardtanh_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(hardtanh_vjp)(g, y, p, np);
}

FA_INLINE T FA(relu6_forward)(T x, const T *p, int np) { return FA(clamp)(x, (T)0, (T)6); }
FA_INLINE T FA(relu6_derivative)(T x, const T *p, int np) {
    return FA(inside_vjp)((T)1, x, (T)0, (T)6);
}
FA_INLINE T FA(relu6_vjp)(T g, T x, const T *p, int np) {
    return FA(inside_vjp)(g, x, (T)0, (T)6);
}
FA_INLINE T FA(relu6_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(relu6_vjp)(g, y, p, np);
}

/* ---- hardsigmoid: relu6(x + 3)/6; hardswish: x·relu6(x + 3)/6 ---- */

FA_INLINE T FA(hardsigmoid_forward)(T x, const T *p, int np) {
    return FA(clamp)(x + (T)3, (T)0, (T)6) / (T)6;
}
FA_INLINE T FA(hardsigmoid_derivative)(T x, const T *p, int np) {
    return FA(inside_vjp)((T)1 / (T)6, x, (T)-3, (T)3);
}
FA_INLINE T FA(hardsigmoid_vjp)(T g, T x, const T *p, int np) {
    return FA(inside_vjp)(g / (T)6, x, (T)-3, (T)3);
}
/* 0 < y < 1 exactly when −3 < x < 3. */
FA_INLINE T FA(hardsigmoid_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(inside_vjp)(g / (T)6, y, (T)0, (T)1);
}

/* x·relu6(x + 3)/6, with the limit −0 at x = −inf (where x·0 is NaN); x·(r/6), as (x·r)/6
 * would overflow near the largest x. */
FA_INLINE T FA(hardswish_forward)(T x, const T *p, int np) {
    T r = FA(clamp)(x + (T)3, (T)0, (T)6);
    return r == 0 ? (T)-0.0 : x * (r / (T)6);
}
/* 0 for x ≤ −3, x/3 + 1/2 = (2x + 3)/6 for −3 < x < 3 (2x + 3 is exact where it cancels, so
 * the result is correctly rounded), 1 for x ≥ 3 (PyTorch's kinks). */
FA_INLINE T FA(hardswish_derivative)(T x, const T *p, int np) {
    T inner = ((T)2 * x + (T)3) / (T)6;
    return x <= -3 ? (T)0 : (x < 3 ? inner : (x == x ? (T)1 : x));
}
FA_INLINE T FA(hardswish_vjp)(T g, T x, const T *p, int np) {
    T inside = g * FA(hardswish_derivative)(x, p, np);
    return x <= -3 ? (T)0 : inside;
}

/* ---- log_sigmoid: min(x, 0) − log1p(e^(−|x|)) ---- */

FA_INLINE T FA(log_sigmoid_forward)(T x, const T *p, int np) {
    return (x < 0 ? x : (T)0) - LOG1P_UNIT(FA(exp_neg_abs)(x));
}
/* σ(−x). */
FA_INLINE T FA(log_sigmoid_derivative)(T x, const T *p, int np) {
    return FA(sigma)(-x);
}
FA_INLINE T FA(log_sigmoid_vjp)(T g, T x, const T *p, int np) {
    return g * FA(log_sigmoid_derivative)(x, p, np);
}
/* σ(−x) = 1 − e^y. */
FA_INLINE T FA(log_sigmoid_vjp_from_y)(T g, T y, const T *p, int np) {
    return g * -EXPM1(y);
}

/* ---- threshold(x, threshold, value): x if x > threshold else value; p = (threshold, value) ---- */

FA_INLINE T FA(threshold_forward)(T x, const T *p, int np) {
    T threshold = p[0], value = p[1];
    return x > threshold ? x : (x == x ? value : x);
}
FA_INLINE T FA(threshold_derivative)(T x, const T *p, int np) {
    T threshold = p[0];
    return x > threshold ? (T)1 : (x == x ? (T)0 : x);
}
FA_INLINE T FA(threshold_vjp)(T g, T x, const T *p, int np) {
    T threshold = p[0];
    return x > threshold ? g : (x == x ? (T)0 : x);
}
/* For value ≤ threshold: y > threshold exactly when x > threshold. */
FA_INLINE T FA(threshold_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(threshold_vjp)(g, y, p, np);
}

/* ---- prelu(x, w): leaky ReLU with the slope w of x's channel (not in the kernel table: the
 * loops of loops.c pass w per element) ---- */

FA_INLINE T FA(prelu_forward)(T x, T w) { return x > 0 ? x : w * x; }
FA_INLINE T FA(prelu_derivative)(T x, T w) { return x > 0 ? (T)1 : (x <= 0 ? w : x); }
FA_INLINE T FA(prelu_vjp)(T g, T x, T w) { return x > 0 ? g : (x <= 0 ? g * w : x); }
