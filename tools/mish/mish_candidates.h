/* Measured candidates for the float64 mish and mish′ kernels, not yet in the package (a helper's design, session 5).
 * float64 mish′ is exact at its zero here (the package's: ~1 eps absolute, 2.8e16 ULP relative at x0) and mish's
 * subnormal tail is rounded once (package: 373 smallest subnormals), but both are 2.5–2.9× slower than the
 * package's float64 formulas (latency-bound). The float versions below are what formulas.h / scalar.py now use. */
/* mish(x) = x·tanh(softplus(x)) and mish′(x) = t + x·σ(x)·(1 − t²), t = tanh(softplus(x)), for
 * float and double, branch-free (selects), vectorizing with -O3 -mavx2 -mfma; the only
 * transcendental call is fa_exp_scaled_f32/_f64 (vmath.h), one division per function.
 *
 * With E = e^x, n = E(E + 2), D = n + 2 = E² + 2E + 2:
 *     mish(x)  = x·n/D,
 *     mish′(x) = E·N/D²,  N = (E + 2)·D + 4x(1 + E) = 4(1 + x) + E·(6 + 4x + E(4 + E)),
 *     1 − mish′(x) = 2(D − 2xE(1 + E))/D²;   for x ≥ 0 in e = e^−x:
 *     mish(x)  = x(1 + 2e)/D′,  mish′(x) = 1 − 2e²K/D′²,  D′ = 1 + 2e + 2e², K = D′ − 2x(1 + e).
 * N has the zero x0 = −1.19243121451549521213758834042073940560 of mish′ and cancels around it
 * (4(1 + x) < 0 < E·(6 + 4x + …) on (−1.7, −1)); an error δ in E moves the computed zero, i.e.
 * it costs δ·E·∂N/∂E absolutely, unbounded relative to N near x0. So on the band [XA, 0),
 * XA = −1.75, N = u·Q(τ) with u = x − x0 (x − X0H exact by Sterbenz on [−2.38, −0.6], the
 * rounding errors of u and τ carried), τ = u − UC, UC = 0.3125, Q fitted (fit.py: Lawson minimax
 * in relative error, coefficients rounded one at a time, the rest refitted) — E then only enters
 * as a factor. Outside the band the terms of N have one sign (x < XA: both < 0, x ≥ 0: > 0).
 *
 * float (mish_forward_float, mish_derivative_float): E = fa_exp_scaled_f32(x)·2^−48 (8 float
 *   lanes, x clamped to 20, where mish(x) = x and mish′(x) = 1 in float; exact and normal once
 *   converted to double), then the rational part above in plain double (no sign split: for
 *   x ≤ 20, E⁴ < 1e35), one rounding to float at the end, subnormal results included. Q of
 *   degree 10 in double (relative fit error 2.5e-9). The error is E's (≤ ~1.4 ULP times a
 *   sensitivity ≤ 1) plus the final rounding.
 * double mish′ (mish_derivative_double): e = e^−|x| by fa_exp_scaled_f64 (·2^128
 *   for x < 0, undone after the division: subnormal results round once, −0 below −760); D, D²,
 *   N (two-sums: 4(1 + x), the band's u and τ, Q of degree 18 with c0 as hi + lo, relative fit
 *   error 5.6e-18, + Q′·(error of τ)), K and the numerators carried as hi + lo, one division
 *   corrected by its residual; for x ≥ 0 mish′ = 1 − c (c ≤ 0.4 and its error shrinks).
 * double mish (mish_forward_double): x·n/D in E = e^x (no sign split), n and D as hi + lo.
 * mish(±0) = ±0, mish(−inf) = −0, mish(+inf) = +inf, mish′(+inf) = 1, mish′(−inf) = −0
 * (mish′ < 0 on (−inf, x0): the limit is approached from below), NaN → NaN.
 *
 * Measured (gcc 12 -O3 -mavx2 -mfma; references: long double for float, __float128 for double,
 * mpmath at 60 digits near x0; subnormal results in units of the smallest subnormal):
 *   mish′ float, every float of [−20, 20]: ≤ 1.78 ULP (x < −1.75), ≤ 1.03 on [−1.75, −1),
 *     ≤ 0.85 on [−1, 20]; every float of [−120, −87] ≤ 1.68; 647 floats
 *     around x0 (mpmath) ≤ 0.89.
 *   mish float, every float of [−20, 20]: ≤ 1.71 ULP (x < 0), ≤ 1.03 (x ≥ 0); every float of
 *     [−120, −87] ≤ 1.63.
 *   mish′ double (1e6 random points per region): [−40, −1.75] 1.68, [−1.75, −1] 1.35,
 *     [−1, 0] 1.36, [0, 40] 0.76, [−750, −700] 1.79 (old: 11.6, 2.7e6, 23, 2.4, 372);
 *     x0 ± 2e5 ulps ≤ 0.94, 705 points x0 + k ulp, x0 ± 2^−j (mpmath) ≤ 0.80 (old: absolute error
 *     ~1 eps, 2.8e16 ULP at x0).
 *   mish double (1e6 per region): [−40, −1] 1.67, [−1, 0] 1.20, [0, 40] 0.92, [−750, −700] 1.78
 *     (old 4.4, 3.3, 2.5, 373).
 * Time (1 thread, 8192 elements in cache, best of 200, ns/element, old = activations.h):
 *   mish float 1.73 (old 2.94), mish′ float 3.27 (old 4.44); mish double 6.9 (old 2.76),
 *   mish′ double 13.2 (old 4.6): the double kernels are latency-bound (exp's Horner chain, then
 *   the compensated steps and the division, in one long chain per vector).
 */
#ifndef FASTACT_MISH_H
#define FASTACT_MISH_H
#include "vmath.h"

/* x0 as three doubles (x − X0H exact near x0) */
#define FA_MISH_X0H -0x1.31432c0d12d84p+0
#define FA_MISH_X0L -0x1.bf319154da210p-55
#define FA_MISH_X0LL -0x1.3b82ea8c1efc4p-109
#define FA_MISH_XA -1.75   /* the band [XA, 0), N = u·Q(u − UC) */
#define FA_MISH_UC 0.3125

/* ---- float: E by fa_exp_scaled_f32, the rest in double ---- */
static const double fa_mish_q10[10] = {   /* Q of degree 10: τ^10 … τ^1 (fit.py f64 10) */
    0.0003641481999237246, 0.0014356782890104713, 0.004469998615768545, 0.014797382377422855,
    0.046298329668925976, 0.13428345295507532, 0.3638361737720121, 0.9054480215369018,
    1.9570335712160367, 3.2598364944298797};
#define FA_MISH_Q10_0 7.260069719840461

FA_INLINE float mish_forward_float(float x) {
    float xc = x > 20.0f ? 20.0f : x;                        /* mish(x) = x beyond */
    double E = (double)fa_exp_scaled_f32(xc) * 0x1p-48;      /* exact and normal in double */
    double n = E * (E + 2.0);
    float r = (float)((double)x * n / (n + 2.0));            /* rounds once, subnormals too */
    r = x < FA_EXP_SCALED_LO_F32 ? -0.0f : r;                /* x·t rounds to −0 (x = −inf) */
    return x > 20.0f ? x : r;                                /* NaN passes; ±0 keep the sign */
}

FA_INLINE float mish_derivative_float(float x) {
    float xc = x > 20.0f ? 20.0f : x;                        /* mish′ rounds to 1 beyond */
    double E = (double)fa_exp_scaled_f32(xc) * 0x1p-48, xd = xc;
    double D = E * (E + 2.0) + 2.0;
    double No = 4.0 * (1.0 + xd) + E * __builtin_fma(E, 4.0 + E, 6.0 + 4.0 * xd);
    double u = (xd - FA_MISH_X0H) - FA_MISH_X0L, tau = u - FA_MISH_UC;
    double q = fa_mish_q10[0];
    _Pragma("GCC unroll 10")
    for (int i = 1; i < 10; i++)
        q = __builtin_fma(q, tau, fa_mish_q10[i]);
    double Nb = u * __builtin_fma(q, tau, FA_MISH_Q10_0);
    /* two selects, not one on (a & b): gcc then keeps the loop vectorizable */
    double Nn = xd >= FA_MISH_XA ? Nb : No;
    double N = xd < 0.0 ? Nn : No;
    float r = (float)(E * N / (D * D));                      /* rounds once, subnormals too */
    return x < FA_EXP_SCALED_LO_F32 ? -0.0f : r;             /* −0 below; NaN passes */
}

/* ---- double: compensated ---- */
static const double fa_mish_q18[18] = {   /* Q of degree 18: τ^18 … τ^1 (fit.py f64 18) */
    7.13924311890405e-10, 4.522639078310087e-09, 2.47724582587207e-08, 1.4063226847101073e-07,
    7.564197003182101e-07, 3.8097834035699883e-06, 1.7993263492053556e-05, 7.949604503677116e-05,
    0.0003277134763791106, 0.0012581207259398314, 0.004493444889693044, 0.014935057068676528,
    0.046293501318808265, 0.13423740248791335, 0.36383593648809387, 0.9054542502020264,
    1.9570336862576985, 3.259836260921404};
#define FA_MISH_Q18_0H 7.260069717145636   /* Q(0) as hi + lo */
#define FA_MISH_Q18_0L 1.3444106938820255e-16
#define FA_MISH_XHI 40.0                    /* mish(x) = x, mish′(x) = 1 beyond */

FA_INLINE double fa_mish_two_sum(double a, double b, double *e) {
    double s = a + b, bb = s - a;
    *e = (a - (s - bb)) + (b - bb);
    return s;
}

/* x clamped (NaN passes), e = e^−|x| as *scaled = e·2^128 and e, D (x < 0) or D′ as *dl + D. */
FA_INLINE double fa_mish_setup(double x, int pos, double *xc, double *scaled, double *e,
                               double *ee, double *eel, double *dl) {
    double c = pos ? (x > FA_MISH_XHI ? FA_MISH_XHI : x)
                   : (x < FA_EXP_SCALED_LO_F64 ? FA_EXP_SCALED_LO_F64 : x);
    *xc = c;
    *scaled = fa_exp_scaled_f64(-__builtin_fabs(c));
    *e = *scaled * FA_EXP_SCALE_F64;
    /* D = a0 + 2e + k2·e² (x < 0: a0 = 2, k2 = 1; x ≥ 0: a0 = 1, k2 = 2) */
    *ee = *e * *e;
    *eel = __builtin_fma(*e, *e, -*ee);
    double k2 = pos ? 2.0 : 1.0;
    double g2 = k2 * *ee, gh = 2.0 * *e + g2;              /* 2e ≥ k2·e²: fast two-sum */
    double gl = ((2.0 * *e - gh) + g2) + k2 * *eel;
    double dl0, Dh = fa_mish_two_sum(pos ? 1.0 : 2.0, gh, &dl0);
    *dl = dl0 + gl;
    return Dh;
}

FA_INLINE double mish_derivative_double(double x) {
    int pos = x >= 0.0;
    double xc, scaled, e, ee, eel, Dl;
    double Dh = fa_mish_setup(x, pos, &xc, &scaled, &e, &ee, &eel, &Dl);
    double hh = Dh * Dh, hhl = __builtin_fma(Dh, Dh, -hh) + 2.0 * Dh * Dl;   /* D² */
    /* x ≥ 0: numerator 2e²K, K = D′ − (2x + 2xe) */
    double xe = xc * e, xel = __builtin_fma(xc, e, -xe);
    double w = 2.0 * xc + 2.0 * xe, wl = ((2.0 * xc - w) + 2.0 * xe) + 2.0 * xel;
    double kl0, Kh = fa_mish_two_sum(Dh, -w, &kl0);
    double Kl = kl0 + (Dl - wl);
    double ph = 2.0 * ee * Kh;
    double pl = 2.0 * (__builtin_fma(ee, Kh, -ee * Kh) + (ee * Kl + eel * Kh));
    /* x < XA: N = 4(1 + x) + E·B (both < 0; |E·B| < 0.04|N|, so B is not carried) */
    double al0, oh = fa_mish_two_sum(1.0, xc, &al0);
    double Ah = 4.0 * oh, Al = 4.0 * al0;
    double B = __builtin_fma(e, 4.0 + e, 6.0 + 4.0 * xc);
    double p = e * B;
    double Noh = Ah + p, Nol = ((Ah - Noh) + p) + Al;
    /* XA ≤ x < 0: N = u·Q(τ), u = x − x0 = uh + ul (uh exact near x0), τ = u − UC */
    double ue, uh = fa_mish_two_sum(xc, -FA_MISH_X0H, &ue);
    double ul = ue - (FA_MISH_X0L + FA_MISH_X0LL);
    double un = uh + ul, unl = ul - (un - uh);
    double te, tau = fa_mish_two_sum(uh, -FA_MISH_UC, &te);
    double r = fa_mish_q18[0];
    _Pragma("GCC unroll 18")
    for (int i = 1; i < 18; i++)
        r = __builtin_fma(r, tau, fa_mish_q18[i]);
    double s = tau * r, se = __builtin_fma(tau, r, -s);
    double Qh = FA_MISH_Q18_0H + s;                          /* |s| < Q(0): fast two-sum */
    double Ql = ((FA_MISH_Q18_0H - Qh) + s) + (se + FA_MISH_Q18_0L);
    /* + Q′(τ)·(rounding errors of τ), Q′ to first order */
    Ql = __builtin_fma(__builtin_fma(2.0 * fa_mish_q18[16], tau, fa_mish_q18[17]), te + ul, Ql);
    double Nbh = un * Qh, Nbl = __builtin_fma(un, Qh, -Nbh) + __builtin_fma(un, Ql, unl * Qh);
    int band = xc >= FA_MISH_XA;
    double Nh = band ? Nbh : Noh, Nl = band ? Nbl : Nol;
    double mh = scaled * Nh, ml = __builtin_fma(scaled, Nh, -mh) + scaled * Nl;   /* E·N·2^128 */
    double nh = pos ? ph : mh, nl = pos ? pl : ml;
    /* q = n/D², corrected once by the residual */
    double inv = 1.0 / hh, q = nh * inv;
    double d = (__builtin_fma(-q, hh, nh) + (nl - q * hhl)) * inv;
    double sp = 1.0 - q, spl = ((1.0 - sp) - q) - d;         /* 1 − (q + d), rounded once */
    double below = x < FA_EXP_SCALED_LO_F64 ? -0.0 : (q + d) * FA_EXP_SCALE_F64;
    return pos ? sp + spl : below;
}

/* mish = x·n/D, n = E(E + 2), D = n + 2, with no sign split: E·2^128 = Es by fa_exp_scaled_f64
 * (x ≤ 40: Es < 1e56), n·2^128 = Es·(E + 2) and D as hi + lo, the scale undone after the
 * division (subnormal results round once); x·n/D corrected once by the residual. */
FA_INLINE double mish_forward_double(double x) {
    double xc = x > FA_MISH_XHI ? FA_MISH_XHI : x;           /* NaN passes */
    double Es = fa_exp_scaled_f64(xc), E = Es * FA_EXP_SCALE_F64;
    double s2l, s2h = fa_mish_two_sum(2.0, E, &s2l);
    double nsh = Es * s2h, nsl = __builtin_fma(Es, s2h, -nsh) + Es * s2l;   /* n·2^128 */
    double dl, Dh = fa_mish_two_sum(2.0, nsh * FA_EXP_SCALE_F64, &dl);
    double Dl = dl + nsl * FA_EXP_SCALE_F64;
    double nh = xc * nsh, nl = __builtin_fma(xc, nsh, -nh) + xc * nsl;
    double inv = 1.0 / Dh, q = nh * inv;
    double r = (q + (__builtin_fma(-q, Dh, nh) + (nl - q * Dl)) * inv) * FA_EXP_SCALE_F64;
    r = x < FA_EXP_SCALED_LO_F64 ? -0.0 : r;                 /* x·t rounds to −0 (x = −inf) */
    r = x > FA_MISH_XHI ? x : r;                             /* t rounds to 1 */
    return x == 0.0 ? x : r;                                 /* ±0 keep the sign */
}
#endif
