/* The activation formulas of fastact/_kernels/scalar.py, once, for one floating type.
 *
 * Included by activations.h once per type with these macros defined:
 *   T          the floating type (float or double)
 *   FA(name)   name with the type's suffix (sigmoid_forward → sigmoid_forward_f32)
 *   EXP, EXPM1, TANH, FMA, FABS   the elementary functions for T
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
static inline T FA(two_product)(T a, T b, T *err) {
    T product = a * b;
    T e = FMA(a, b, -product);
    *err = FABS(product) < (T)INFINITY ? e : (T)0;
    return product;
}

/* a + b = sum + *err exactly (Knuth's branch-free form); *err = 0 where the sum is not finite. */
static inline T FA(two_sum)(T a, T b, T *err) {
    T sum = a + b;
    T bv = sum - a;
    T e = (a - (sum - bv)) + (b - bv);
    *err = FABS(sum) < (T)INFINITY ? e : (T)0;
    return sum;
}

/* ---- sigmoid pieces: e = exp(-|z|), s = 1/(1+e); σ(z) = s (z >= 0) or e·s; σ'(z) = e·s² ---- */

/* σ(z + dz) for a rounding error dz: σ(z) + dz·σ'(z). */
static inline T FA(sig)(T z, T dz) {
    T e = EXP(-FABS(z));
    T s = (T)1 / ((T)1 + e);
    return (z >= 0 ? s : e * s) + dz * (e * s * s);
}

/* σ'(z + dz) = σ'(z)·(1 + dz·(1 − 2σ(z))), 1 − 2σ(z) = −sign(z)·(1 − e)·s. */
static inline T FA(sig_slope)(T z, T dz) {
    T e = EXP(-FABS(z));
    T s = (T)1 / ((T)1 + e);
    T d = e * s * s;
    T c = ((T)1 - e) * s;
    return d + dz * d * (z >= 0 ? -c : c);
}

/* ---- sigmoid(x, slope): σ(a x); p = (a) ---- */

static inline T FA(sigmoid_forward)(T x, const T *p, int np) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    return FA(sig)(z, dz);
}
static inline T FA(sigmoid_derivative)(T x, const T *p, int np) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    return p[0] * FA(sig_slope)(z, dz);
}
static inline T FA(sigmoid_vjp)(T g, T x, const T *p, int np) {
    return g * FA(sigmoid_derivative)(x, p, np);
}
static inline T FA(sigmoid_vjp_from_y)(T g, T y, const T *p, int np) {
    return g * (p[0] * y * ((T)1 - y));
}
/* d/da σ(a x) = x·σ'(a x); 0 where σ' underflows to 0, even at x = ±inf. */
static inline T FA(sigmoid_param_vjp)(T g, T x, const T *p, int np, int k) {
    T dz, z = FA(two_product)(p[0], x, &dz);
    T d = FA(sig_slope)(z, dz);
    return d == 0 ? (T)0 : g * x * d;
}

/* ---- tanh ---- */

static inline T FA(tanh_forward)(T x, const T *p, int np) { return TANH(x); }
/* 1 − tanh² = 4e/(1 + e)², e = exp(−2|x|). */
static inline T FA(tanh_derivative)(T x, const T *p, int np) {
    return (T)4 * FA(sig_slope)((T)2 * x, (T)0);
}
static inline T FA(tanh_vjp)(T g, T x, const T *p, int np) {
    return g * FA(tanh_derivative)(x, p, np);
}
static inline T FA(tanh_vjp_from_y)(T g, T y, const T *p, int np) {
    return g * (((T)1 - y) * ((T)1 + y));
}

/* ---- msaf(x, r, offset): offset + Σ_k σ(x + r_k); p = (offset, r_0, ..., r_{K-1}) ---- */

static inline T FA(msaf_forward)(T x, const T *p, int np) {
    T acc = p[0];
    for (int k = 1; k < np; k++) {
        T dz, z = FA(two_sum)(x, p[k], &dz);
        acc += FA(sig)(z, dz);
    }
    return acc;
}
static inline T FA(msaf_derivative)(T x, const T *p, int np) {
    T acc = 0;
    for (int k = 1; k < np; k++) {
        T dz, z = FA(two_sum)(x, p[k], &dz);
        acc += FA(sig_slope)(z, dz);
    }
    return acc;
}
static inline T FA(msaf_vjp)(T g, T x, const T *p, int np) {
    return g * FA(msaf_derivative)(x, p, np);
}
/* d/d offset = 1 (k = 0; NaN where x is NaN); d/d r_k = σ'(x + r_k). */
static inline T FA(msaf_param_vjp)(T g, T x, const T *p, int np, int k) {
    if (k == 0)
        return x == x ? g : x;
    T dz, z = FA(two_sum)(x, p[k], &dz);
    return g * FA(sig_slope)(z, dz);
}

/* ---- sym_msaf(x, r): −1 + σ(x) + σ(x + r) = σ(x + r) − σ(−x); p = (r) ---- */

static inline T FA(sym_msaf_forward)(T x, const T *p, int np) {
    T dz, z = FA(two_sum)(x, p[0], &dz);
    return FA(sig)(z, dz) - FA(sig)(-x, (T)0);
}
static inline T FA(sym_msaf_derivative)(T x, const T *p, int np) {
    T dz, z = FA(two_sum)(x, p[0], &dz);
    return FA(sig_slope)(x, (T)0) + FA(sig_slope)(z, dz);
}
static inline T FA(sym_msaf_vjp)(T g, T x, const T *p, int np) {
    return g * FA(sym_msaf_derivative)(x, p, np);
}
static inline T FA(sym_msaf_param_vjp)(T g, T x, const T *p, int np, int k) {
    T dz, z = FA(two_sum)(x, p[0], &dz);
    return g * FA(sig_slope)(z, dz);
}

/* Parameters are loaded before any select so that the loops if-convert (vectorize). */

/* ---- relu: 0 if x < 0 else x (relu(−0) = −0, relu(NaN) = NaN) ---- */

static inline T FA(relu_forward)(T x, const T *p, int np) { return x < 0 ? (T)0 : x; }
static inline T FA(relu_derivative)(T x, const T *p, int np) {
    return x > 0 ? (T)1 : (x <= 0 ? (T)0 : x);
}
static inline T FA(relu_vjp)(T g, T x, const T *p, int np) {
    return x > 0 ? g : (x <= 0 ? (T)0 : x);
}
static inline T FA(relu_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(relu_vjp)(g, y, p, np);
}

/* ---- leaky_relu(x, negative_slope): x if x > 0 else b·x; p = (b) ---- */

static inline T FA(leaky_relu_forward)(T x, const T *p, int np) {
    T b = p[0];
    return x > 0 ? x : b * x;
}
static inline T FA(leaky_relu_derivative)(T x, const T *p, int np) {
    T b = p[0];
    return x > 0 ? (T)1 : (x <= 0 ? b : x);
}
static inline T FA(leaky_relu_vjp)(T g, T x, const T *p, int np) {
    T b = p[0];
    return x > 0 ? g : (x <= 0 ? g * b : x);
}
/* Valid for b > 0, where y > 0 exactly when x > 0. */
static inline T FA(leaky_relu_vjp_from_y)(T g, T y, const T *p, int np) {
    return FA(leaky_relu_vjp)(g, y, p, np);
}
static inline T FA(leaky_relu_param_vjp)(T g, T x, const T *p, int np, int k) {
    return x > 0 ? (T)0 : g * x;
}

/* ---- elu(x, alpha): x if x > 0 else α·expm1(x); p = (α) ---- */

static inline T FA(elu_forward)(T x, const T *p, int np) {
    T alpha = p[0], below = alpha * EXPM1(x);
    return x > 0 ? x : below;
}
static inline T FA(elu_derivative)(T x, const T *p, int np) {
    T alpha = p[0], below = alpha * EXP(x);
    return x > 0 ? (T)1 : below;
}
static inline T FA(elu_vjp)(T g, T x, const T *p, int np) {
    T alpha = p[0], below = g * (alpha * EXP(x));
    return x > 0 ? g : below;
}
/* For α >= 0: y > 0 exactly when x > 0, and α·e^x = y + α below. */
static inline T FA(elu_vjp_from_y)(T g, T y, const T *p, int np) {
    T alpha = p[0];
    return y > 0 ? g : g * (y + alpha);
}
static inline T FA(elu_param_vjp)(T g, T x, const T *p, int np, int k) {
    T below = g * EXPM1(x);
    return x > 0 ? (T)0 : below;
}
