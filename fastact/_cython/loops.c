/* The loops of loops.h, generated from table.h and the formulas of activations.h.
 *
 * Wide vectors: on x86-64 with gcc or clang every loop is compiled three times, with
 * __attribute__((target)) for x86-64-v4 (AVX-512), x86-64-v3 (AVX2 + FMA) and the baseline
 * (function multiversioning by hand); fa_select() picks the widest set the CPU supports when
 * the module is imported (ifunc-based target_clones resolved to the baseline during
 * relocation on the development machine, so the choice is made at run time instead).
 * Elsewhere the loops are compiled once for the compiler's default target. No -ffast-math:
 * the formulas vectorize because vmath.h is branch-free and calls no libm function.
 *
 * The helpers below (FA_INLINE, no target of their own) are always inlined, so they compile
 * for the instruction set of the loop that calls them.
 */
#include <stddef.h>
#include <string.h>
#include "activations.h"
#include "loops.h"
#include "stream.h"
#include "table.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(FASTACT_NO_MULTIVERSIONING)
#define FA_MULTIVERSIONING 1
#define FA_TARGET_v4 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi2")))
#define FA_TARGET_v3 __attribute__((target("avx2,fma,bmi2")))
#else
#define FA_MULTIVERSIONING 0
#endif
#define FA_TARGET_base

#define FA_IF_0(...)
#define FA_IF_1(...) __VA_ARGS__
#define FA_PICK_0(yes, no) no
#define FA_PICK_1(yes, no) yes

/* total + comp += v by Neumaier's compensated step (total, comp: double lvalues; v a double). */
#define FA_NEUMAIER_ADD(total, comp, v)                                                        \
    do {                                                                                       \
        double t_ = (total) + (v);                                                             \
        (comp) += __builtin_fabs(total) >= __builtin_fabs(v) ? ((total) - t_) + (v)            \
                                                             : ((v) - t_) + (total);           \
        (total) = t_;                                                                          \
    } while (0)

/* ---- runs of a feature array (loops.h): stretches of [start, stop) over which the channel's
 * coefficient (θ or a PReLU slope) is one value, coef[c] (inner > 1: the run lies in channel c),
 * or the consecutive coef[c], coef[c + 1], ... (inner == 1: the run lies in one row). Loops
 * take them in two forms, stride 0 and stride 1, so that each vectorizes with no division
 * per element. ---- */

typedef struct {
    ptrdiff_t next, stop, channels, inner, c, j;
} fa_runs;

FA_INLINE fa_runs fa_runs_of(ptrdiff_t start, ptrdiff_t stop, ptrdiff_t channels, ptrdiff_t inner) {
    fa_runs r = {start, stop, channels, inner, (start / inner) % channels, start % inner};
    return r;
}

/* The next run: its first element *i, length *n and first channel *c; 0 when none is left. */
FA_INLINE int fa_next_run(fa_runs *r, ptrdiff_t *i, ptrdiff_t *n, ptrdiff_t *c) {
    if (r->next >= r->stop) return 0;
    ptrdiff_t room = r->inner == 1 ? r->channels - r->c : r->inner - r->j;
    *i = r->next;
    *c = r->c;
    *n = room < r->stop - r->next ? room : r->stop - r->next;
    r->next += *n;
    r->j = 0;
    r->c = r->inner == 1 || r->c + 1 == r->channels ? 0 : r->c + 1;
    return 1;
}

#define FA_FOR_RUNS(start, stop, channels, inner, i, n, c)                                     \
    for (fa_runs r_ = fa_runs_of(start, stop, channels, inner); fa_next_run(&r_, &i, &n, &c);)

/* run(..., stride) with a constant stride, so that the compiler specializes each form. */
#define FA_STRIDED(inner, run, ...) ((inner) == 1 ? run(__VA_ARGS__, 1) : run(__VA_ARGS__, 0))

/* g·x for x ≤ 0 (else 0) into total + comp, with the product's rounding error (PReLU's slope
 * gradient; fastact/_kernels/channel_loops.py). */
FA_INLINE void fa_add_slope_term(double *total, double *comp, double g, double x) {
    double err, product = two_product_f64(g, x, &err);
    double v = x > 0 ? 0.0 : product;
    FA_NEUMAIER_ADD(*total, *comp, v);
    *comp += v != 0 ? err : 0.0;
}

/* ---- per type: rows (fastact/_kernels/cpu_loops.py and rows.py: the same numerics) ----
 * max: NaN-propagating, 8 lanes; e^(x − m) as e^z + e^z·dz with z + dz = x − m exactly
 * (two_sum); sums in double, in 8 lanes over blocks of 256 elements (as rows.py), the lane sums
 * added with Neumaier's compensation; for double (EXACT_SUMS) each lane is compensated too,
 * which keeps softmax within 4 ULP and the sum g·y of the backward pass accurate under
 * cancellation (at up to 2× the time of plain lanes). softmin is softmax of −x. */

#define FA_LARGER(a, m) (((a) > (m) || (a) != (a)) ? (a) : (m))

/* s += v, with Neumaier's compensation c where ``compensated`` (a constant). */
#define FA_LANE_ADD(compensated, s, c, v)                                                      \
    do {                                                                                       \
        if (compensated)                                                                       \
            FA_NEUMAIER_ADD(s, c, v);                                                          \
        else                                                                                   \
            (s) += (v);                                                                        \
    } while (0)

/* What a row sum adds up: a[i], a[i]·b[i] or e^(a[i] − m). */
#define FA_ROW_BLOCK 256
/* Rows shorter than this take one sequential pass for their max and sum: setting up and
 * combining 8 lanes cost more than they save (softmax_backward, rows of 10). */
#define FA_SHORT_ROW 16
/* 4 lanes of a row sum as one vector (GNU vector extension; a row sum keeps two): gcc kept an
 * array of 8 doubles in 8 scalar registers, and spilled one 8-double vector to the stack. */
typedef double fa_lanes __attribute__((vector_size(4 * sizeof(double))));
enum { FA_TERM_SUM, FA_TERM_DOT, FA_TERM_EXP };

#define FA_TYPE_HELPERS(T, S, EXP, EXACT_SUMS)                                                               \
    /* max of sign·v over a non-empty row, NaN if any element is NaN */                        \
    FA_INLINE T fa_row_max_##S(const T *v, ptrdiff_t n, T sign) {                              \
        if (n < FA_SHORT_ROW) {                                                                \
            T largest = sign * v[0];                                                           \
            for (ptrdiff_t i = 1; i < n; i++) largest = FA_LARGER(sign * v[i], largest);       \
            return largest;                                                                    \
        }                                                                                      \
        T m[8];                                                                                \
        for (int j = 0; j < 8; j++) m[j] = sign * v[0];                                        \
        ptrdiff_t i = 0;                                                                       \
        for (; i + 8 <= n; i += 8)                                                             \
            for (int j = 0; j < 8; j++) m[j] = FA_LARGER(sign * v[i + j], m[j]);               \
        for (; i < n; i++) m[0] = FA_LARGER(sign * v[i], m[0]);                                \
        T a = FA_LARGER(m[1], m[0]), b = FA_LARGER(m[3], m[2]);                                \
        T c = FA_LARGER(m[5], m[4]), d = FA_LARGER(m[7], m[6]);                                \
        a = FA_LARGER(b, a);                                                                   \
        c = FA_LARGER(d, c);                                                                   \
        return FA_LARGER(c, a);                                                                \
    }                                                                                          \
    FA_INLINE T fa_shifted_exp_##S(T x, T m) {                                                 \
        T dz, z = two_sum_##S(x, -m, &dz);                                                     \
        T e = EXP(z);                                                                          \
        return e + e * dz;                                                                     \
    }                                                                                          \
    FA_INLINE double fa_term_##S(int term, const T *a, const T *b, T m, ptrdiff_t i) {         \
        return term == FA_TERM_SUM ? (double)a[i]                                              \
               : term == FA_TERM_DOT ? (double)a[i] * b[i] : (double)fa_shifted_exp_##S(a[i], m); \
    }                                                                                          \
    /* Σ of a term over a row in double, in 8 lanes over blocks of FA_ROW_BLOCK elements, the   \
     * lane sums of each block added with Neumaier's compensation (EXACT_SUMS: each lane too) */ \
    FA_INLINE double fa_row_sum_##S(int term, const T *a, const T *b, T m, ptrdiff_t n) {     \
        double total = 0.0, compensation = 0.0;                                                \
        if (n < FA_SHORT_ROW) { /* one sequential pass; EXACT_SUMS: each step a two-sum */      \
            for (ptrdiff_t i = 0; i < n; i++) {                                                \
                double v = fa_term_##S(term, a, b, m, i), t = total + v, v_part = t - total;   \
                if (EXACT_SUMS) compensation += (total - (t - v_part)) + (v - v_part);        \
                total = t;                                                                     \
            }                                                                                  \
            return total + compensation;                                                       \
        }                                                                                      \
        for (ptrdiff_t start = 0; start < n; start += FA_ROW_BLOCK) {                          \
            ptrdiff_t i = start, stop = n - start < FA_ROW_BLOCK ? n : start + FA_ROW_BLOCK;   \
            fa_lanes s[2] = {{0, 0, 0, 0}, {0, 0, 0, 0}}, c[2] = {{0, 0, 0, 0}, {0, 0, 0, 0}};   \
            for (; i + 8 <= stop; i += 8)                                                      \
                for (int h = 0; h < 2; h++) {                                                  \
                    fa_lanes v = {0, 0, 0, 0};                                                 \
                    for (int j = 0; j < 4; j++) v[j] = fa_term_##S(term, a, b, m, i + 4 * h + j); \
                    if (EXACT_SUMS) { /* two-sum per lane: branch-free, exact error */          \
                        fa_lanes t = s[h] + v, v_part = t - s[h];                              \
                        c[h] += (s[h] - (t - v_part)) + (v - v_part);                          \
                        s[h] = t;                                                              \
                    } else {                                                                   \
                        s[h] += v;                                                             \
                    }                                                                          \
                }                                                                              \
            for (; i < stop; i++) {                                                            \
                double v = fa_term_##S(term, a, b, m, i);                                      \
                FA_LANE_ADD(EXACT_SUMS, s[0][0], c[0][0], v);                                   \
            }                                                                                  \
            for (int j = 0; j < 8; j++) {                                                      \
                FA_NEUMAIER_ADD(total, compensation, s[j / 4][j % 4]);                         \
                compensation += c[j / 4][j % 4];                                               \
            }                                                                                  \
        }                                                                                      \
        return total + compensation;                                                           \
    }                                                                                          \
    /* softmax (sign 1) or softmin (sign −1): y = e^(sign·x − m) / Σ, m = max sign·x */        \
    FA_INLINE void fa_exp_row_##S(const T *x, T *y, ptrdiff_t n, T sign) {                     \
        T m = fa_row_max_##S(x, n, sign);                                                      \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            y[i] = fa_shifted_exp_##S(sign * x[i], m);                                         \
        double total = fa_row_sum_##S(FA_TERM_SUM, y, NULL, 0, n);                             \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = (T)(y[i] / total);                            \
    }                                                                                          \
    /* their backward pass: out = sign·y ⊙ (g − Σ g·y) */                                      \
    FA_INLINE void fa_exp_row_vjp_##S(const T *g, const T *y, T *out, ptrdiff_t n, T sign) {   \
        double total = fa_row_sum_##S(FA_TERM_DOT, g, y, 0, n);                                \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = (T)(sign * (y[i] * (g[i] - total)));                                      \
    }                                                                                          \
    /* y = (x − m) − log Σ e^(x − m), x − m exactly; the sum is ≥ 1, or NaN (a row with NaN or  \
     * +inf), which makes the whole row NaN */                                                 \
    FA_INLINE void fa_log_softmax_row_##S(const T *x, T *y, ptrdiff_t n) {                     \
        T m = fa_row_max_##S(x, n, 1);                                                         \
        double total = fa_row_sum_##S(FA_TERM_EXP, x, NULL, m, n);                             \
        double log_total = total == total ? fa_log_finite_f64(total, 0.0) : total;             \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++) {                               \
            T dz, z = two_sum_##S(x[i], -m, &dz);                                              \
            y[i] = (T)(((double)z - log_total) + (double)dz);                                  \
        }                                                                                      \
    }                                                                                          \
    /* its backward pass from y: out = g − e^y·Σ g (in double) */                              \
    FA_INLINE void fa_log_softmax_vjp_row_##S(const T *g, const T *y, T *out, ptrdiff_t n) {   \
        double total = fa_row_sum_##S(FA_TERM_SUM, g, NULL, 0, n);                             \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = (T)((double)g[i] - fa_exp_f64((double)y[i]) * total);                     \
    }                                                                                          \
    /* x[k] = u[i] − θ[channel of i] for the elements i = start + k of [start, stop) */        \
    FA_INLINE void fa_shift_run_##S(const T *u, const T *theta, T *x, ptrdiff_t n, ptrdiff_t stride) { \
        T t0 = theta[0];                                                                       \
        for (ptrdiff_t k = 0; k < n; k++) x[k] = u[k] - (stride ? theta[k] : t0);             \
    }                                                                                          \
    FA_INLINE void fa_shift_##S(const T *u, const T *theta, T *x, ptrdiff_t start, ptrdiff_t stop, \
                                ptrdiff_t channels, ptrdiff_t inner) {                         \
        ptrdiff_t i, n, c;                                                                     \
        FA_FOR_RUNS(start, stop, channels, inner, i, n, c)                                     \
            FA_STRIDED(inner, fa_shift_run_##S, u + i, theta + c, x + (i - start), n);        \
    }                                                                                          \
    /* dtheta[c] −= Σ du[k] over the elements i = start + k of channel c */                    \
    FA_INLINE void fa_subtract_channel_sums_##S(const T *du, ptrdiff_t start, ptrdiff_t stop,  \
                                                ptrdiff_t channels, ptrdiff_t inner, double *dtheta) { \
        ptrdiff_t i, n, c;                                                                     \
        FA_FOR_RUNS(start, stop, channels, inner, i, n, c) {                                   \
            if (inner == 1)                                                                    \
                for (ptrdiff_t k = 0; k < n; k++) dtheta[c + k] -= (double)du[i - start + k];  \
            else                                                                               \
                dtheta[c] -= fa_row_sum_##S(FA_TERM_SUM, du + (i - start), NULL, 0, n);        \
        }                                                                                      \
    }                                                                                          \
    /* PReLU over one run: op 0 f(x), 1 f'(x), 2 g·f'(x), slope w[k·stride] */                 \
    FA_INLINE void fa_prelu_run_##S(int op, const T *g, const T *x, const T *w, T *out,        \
                                    ptrdiff_t n, ptrdiff_t stride) {                           \
        T w0 = w[0];                                                                           \
        if (op == 0) {                                                                         \
            _Pragma("GCC ivdep") for (ptrdiff_t k = 0; k < n; k++)                             \
                out[k] = prelu_forward_##S(x[k], stride ? w[k] : w0);                          \
        } else if (op == 1) {                                                                  \
            _Pragma("GCC ivdep") for (ptrdiff_t k = 0; k < n; k++)                             \
                out[k] = prelu_derivative_##S(x[k], stride ? w[k] : w0);                       \
        } else {                                                                               \
            _Pragma("GCC ivdep") for (ptrdiff_t k = 0; k < n; k++)                             \
                out[k] = prelu_vjp_##S(g[k], x[k], stride ? w[k] : w0);                        \
        }                                                                                      \
    }                                                                                          \
    FA_INLINE void fa_prelu_runs_##S(int op, const T *g, const T *x, const T *w, T *out,            \
                                ptrdiff_t start, ptrdiff_t stop, ptrdiff_t channels, ptrdiff_t inner) { \
        ptrdiff_t i, n, c;                                                                     \
        FA_FOR_RUNS(start, stop, channels, inner, i, n, c)                                     \
            FA_STRIDED(inner, fa_prelu_run_##S, op, g + i, x + i, w + c, out + i, n);           \
    }                                                                                          \
    /* partial[c] + partial[C + c] += Σ g·x over x ≤ 0 of channel c, in index order */         \
    FA_INLINE void fa_prelu_weight_runs_##S(const T *g, const T *x, ptrdiff_t start, ptrdiff_t stop, \
                                       ptrdiff_t channels, ptrdiff_t inner, double *partial) { \
        ptrdiff_t i, n, c;                                                                     \
        FA_FOR_RUNS(start, stop, channels, inner, i, n, c) {                                   \
            if (inner == 1) {                                                                  \
                for (ptrdiff_t k = 0; k < n; k++)                                              \
                    fa_add_slope_term(partial + c + k, partial + channels + c + k, g[i + k], x[i + k]); \
            } else {                                                                           \
                double total = partial[c], comp = partial[channels + c];                       \
                for (ptrdiff_t k = i; k < i + n; k++) fa_add_slope_term(&total, &comp, g[k], x[k]); \
                partial[c] = total;                                                            \
                partial[channels + c] = comp;                                                  \
            }                                                                                  \
        }                                                                                      \
    }

FA_TYPE_HELPERS(float, f32, fa_exp_f32, 0)
FA_TYPE_HELPERS(double, f64, fa_exp_f64, 1)

/* ---- per activation, type and instruction set ---- */

/* out[i] = name_op(x[i]) */
#define FA_MAP_LOOP(name, op, T, S, ISA)                                                      \
    FA_TARGET_##ISA static void name##_##op##_loop_##S##_##ISA(                               \
        const T *x, T *out, ptrdiff_t n, const T *restrict p, int np) {                       \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = name##_##op##_##S(x[i], p, np);                                           \
    }

/* out[i] = name_op(g[i], x[i]) */
#define FA_VJP_LOOP(name, op, T, S, ISA)                                                      \
    FA_TARGET_##ISA static void name##_##op##_loop_##S##_##ISA(                               \
        const T *g, const T *x, T *out, ptrdiff_t n, const T *restrict p, int np) {           \
        _Pragma("GCC ivdep") for (ptrdiff_t i = 0; i < n; i++)                                 \
            out[i] = name##_##op##_##S(g[i], x[i], p, np);                                     \
    }

/* sum[0] + sum[1] += Σ g·∂f/∂p[k], Neumaier-compensated in index order (numba's order). */
#define FA_PSUM_LOOP(name, T, S, ISA)                                                         \
    FA_TARGET_##ISA static void name##_param_sum_##S##_##ISA(                                 \
        const T *g, const T *x, ptrdiff_t n, const T *restrict p, int np, int k, double *sum) { \
        double total = sum[0], compensation = sum[1];                                          \
        for (ptrdiff_t i = 0; i < n; i++) {                                                    \
            double v = (double)name##_param_vjp_##S(g[i], x[i], p, np, k);                     \
            FA_NEUMAIER_ADD(total, compensation, v);                                           \
        }                                                                                      \
        sum[0] = total;                                                                        \
        sum[1] = compensation;                                                                 \
    }

#define FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, T, S, ISA)                                    \
    FA_MAP_LOOP(name, forward, T, S, ISA)                                                     \
    FA_MAP_LOOP(name, derivative, T, S, ISA)                                                  \
    FA_VJP_LOOP(name, vjp, T, S, ISA)                                                         \
    FA_IF_##FROM_Y(FA_VJP_LOOP(name, vjp_from_y, T, S, ISA))                                  \
    FA_IF_##PARAMS(FA_PSUM_LOOP(name, T, S, ISA))

#define FA_ENTRY(name, FROM_Y, PARAMS, ISA)                                                   \
    {#name,                                                                                   \
     {name##_forward_loop_f32_##ISA, name##_derivative_loop_f32_##ISA},                       \
     {name##_forward_loop_f64_##ISA, name##_derivative_loop_f64_##ISA},                       \
     {name##_vjp_loop_f32_##ISA, FA_PICK_##FROM_Y(name##_vjp_from_y_loop_f32_##ISA, NULL)},   \
     {name##_vjp_loop_f64_##ISA, FA_PICK_##FROM_Y(name##_vjp_from_y_loop_f64_##ISA, NULL)},   \
     FA_PICK_##PARAMS(name##_param_sum_f32_##ISA, NULL),                                      \
     FA_PICK_##PARAMS(name##_param_sum_f64_##ISA, NULL)},

/* ---- per type and instruction set: the fused neuron, the row functions, PReLU and vmath ---- */

/* Elements of x = u − θ per call of an element-wise loop (on the stack, in L1). */
#define FA_SHIFT_CHUNK 512
FA_INLINE ptrdiff_t fa_chunk_end(ptrdiff_t i, ptrdiff_t stop) {
    return stop - i < FA_SHIFT_CHUNK ? stop : i + FA_SHIFT_CHUNK;
}
#define FA_FOR_CHUNKS(start, stop, i, end)                                                     \
    for (ptrdiff_t i = start, end = fa_chunk_end(i, stop); i < stop; i = end, end = fa_chunk_end(i, stop))

#define FA_TYPE_LOOPS(T, S, ISA)                                                               \
    FA_TARGET_##ISA static void fa_bias_map_##S##_##ISA(                                      \
        const fa_kernel_set *k, const T *u, const T *theta, T *out, ptrdiff_t start, ptrdiff_t stop, \
        ptrdiff_t channels, ptrdiff_t inner, const T *p, int np, int stream) {                 \
        T x[FA_SHIFT_CHUNK];                                                                   \
        FA_FOR_CHUNKS(start, stop, i, end) {                                                   \
            fa_shift_##S(u, theta, x, i, end, channels, inner);                                \
            k->map_##S[0](x, stream ? x : out + i, end - i, p, np);                            \
            if (stream) fa_stream_##S(x, out + i, end - i);                                    \
        }                                                                                      \
        if (stream) fa_stream_fence();                                                         \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_bias_vjp_##S##_##ISA(                                      \
        const fa_kernel_set *k, const T *g, const T *u, const T *theta, T *du, ptrdiff_t start, \
        ptrdiff_t stop, ptrdiff_t channels, ptrdiff_t inner, const T *p, int np, double *dtheta, \
        int stream) {                                                                          \
        T x[FA_SHIFT_CHUNK];                                                                   \
        FA_FOR_CHUNKS(start, stop, i, end) {                                                   \
            T *chunk = stream ? x : du + i;                                                    \
            fa_shift_##S(u, theta, x, i, end, channels, inner);                                \
            k->vjp_##S[0](g + i, x, chunk, end - i, p, np);                                    \
            fa_subtract_channel_sums_##S(chunk, i, end, channels, inner, dtheta);              \
            if (stream) fa_stream_##S(x, du + i, end - i);                                     \
        }                                                                                      \
        if (stream) fa_stream_fence();                                                         \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_bias_psum_##S##_##ISA(                                     \
        const fa_kernel_set *k, const T *g, const T *u, const T *theta, ptrdiff_t start,      \
        ptrdiff_t stop, ptrdiff_t channels, ptrdiff_t inner, const T *p, int np, int param,   \
        double *sum) {                                                                         \
        T x[FA_SHIFT_CHUNK];                                                                   \
        FA_FOR_CHUNKS(start, stop, i, end) {                                                   \
            fa_shift_##S(u, theta, x, i, end, channels, inner);                                \
            k->psum_##S(g + i, x, end - i, p, np, param, sum);                                 \
        }                                                                                      \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_softmax_row_##S##_##ISA(const T *x, T *y, ptrdiff_t n) {    \
        fa_exp_row_##S(x, y, n, 1);                                                            \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_softmin_row_##S##_##ISA(const T *x, T *y, ptrdiff_t n) {    \
        fa_exp_row_##S(x, y, n, -1);                                                           \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_log_softmax_row_##S##_##ISA(const T *x, T *y, ptrdiff_t n) { \
        fa_log_softmax_row_##S(x, y, n);                                                       \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_softmax_vjp_row_##S##_##ISA(const T *g, const T *y, T *out, \
                                                               ptrdiff_t n) {                  \
        fa_exp_row_vjp_##S(g, y, out, n, 1);                                                   \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_softmin_vjp_row_##S##_##ISA(const T *g, const T *y, T *out, \
                                                               ptrdiff_t n) {                  \
        fa_exp_row_vjp_##S(g, y, out, n, -1);                                                  \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_log_softmax_vjp_row_##S##_##ISA(const T *g, const T *y, T *out, \
                                                                   ptrdiff_t n) {              \
        fa_log_softmax_vjp_row_##S(g, y, out, n);                                              \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_prelu_##S##_##ISA(int op, const T *g, const T *x, const T *w, \
                                                     T *out, ptrdiff_t start, ptrdiff_t stop,  \
                                                     ptrdiff_t channels, ptrdiff_t inner) {    \
        fa_prelu_runs_##S(op, g, x, w, out, start, stop, channels, inner);                          \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_prelu_weight_##S##_##ISA(const T *g, const T *x, ptrdiff_t start, \
                                                            ptrdiff_t stop, ptrdiff_t channels, \
                                                            ptrdiff_t inner, double *partial) { \
        fa_prelu_weight_runs_##S(g, x, start, stop, channels, inner, partial);                      \
    }                                                                                          \
    FA_TARGET_##ISA static void fa_vmath_##S##_##ISA(int op, const T *x, T *out, ptrdiff_t n) { \
        if (op == 0)                                                                           \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_exp_##S(x[i]);                       \
        else if (op == 1)                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_expm1_##S(x[i]);                     \
        else if (op == 2)                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_tanh_##S(x[i]);                      \
        else                                                                                   \
            for (ptrdiff_t i = 0; i < n; i++) out[i] = fa_log1p_unit_##S(x[i]);                \
    }

/* ---- one complete set of loops per instruction set ---- */

#define FA_LOOPS_F32(name, FROM_Y, PARAMS) FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, float, f32, FA_ISA)
#define FA_LOOPS_F64(name, FROM_Y, PARAMS) FA_LOOPS_FOR_TYPE(name, FROM_Y, PARAMS, double, f64, FA_ISA)
#define FA_EXPAND(macro, ...) macro(__VA_ARGS__) /* expands FA_ISA before ## pastes it */
#define FA_ENTRY_ISA(name, FROM_Y, PARAMS) FA_EXPAND(FA_ENTRY, name, FROM_Y, PARAMS, FA_ISA)
#define FA_ROWS(prefix, S, ISA) \
    {fa_softmax_##prefix##S##_##ISA, fa_log_softmax_##prefix##S##_##ISA, fa_softmin_##prefix##S##_##ISA}

#define FA_INSTRUCTION_SET(ISA, DESCRIPTION)                                                  \
    FA_ACTIVATIONS(FA_LOOPS_F32)                                                              \
    FA_ACTIVATIONS(FA_LOOPS_F64)                                                              \
    FA_TYPE_LOOPS(float, f32, ISA)                                                            \
    FA_TYPE_LOOPS(double, f64, ISA)                                                           \
    static const fa_kernel_set fa_sets_##ISA[] = {FA_ACTIVATIONS(FA_ENTRY_ISA)};              \
    static const fa_instruction_set fa_isa_##ISA = {                                          \
        DESCRIPTION, fa_sets_##ISA,                                                           \
        FA_ROWS(row_, f32, ISA), FA_ROWS(row_, f64, ISA),                                     \
        FA_ROWS(vjp_row_, f32, ISA), FA_ROWS(vjp_row_, f64, ISA),                             \
        fa_bias_map_f32_##ISA, fa_bias_map_f64_##ISA,                                         \
        fa_bias_vjp_f32_##ISA, fa_bias_vjp_f64_##ISA,                                         \
        fa_bias_psum_f32_##ISA, fa_bias_psum_f64_##ISA,                                       \
        fa_prelu_f32_##ISA, fa_prelu_f64_##ISA,                                               \
        fa_prelu_weight_f32_##ISA, fa_prelu_weight_f64_##ISA,                                 \
        fa_vmath_f32_##ISA, fa_vmath_f64_##ISA};

#define FA_ISA base
FA_INSTRUCTION_SET(base, FA_MULTIVERSIONING ? "x86-64 baseline (SSE2)" : "the compiler's default target")
#undef FA_ISA
#if FA_MULTIVERSIONING
#define FA_ISA v3
FA_INSTRUCTION_SET(v3, "x86-64-v3 (AVX2, FMA)")
#undef FA_ISA
#define FA_ISA v4
FA_INSTRUCTION_SET(v4, "x86-64-v4 (AVX-512)")
#undef FA_ISA
#endif

const int fa_kernel_set_count = sizeof(fa_sets_base) / sizeof(fa_sets_base[0]);

const fa_instruction_set *fa_instruction_sets(int i) {
    const fa_instruction_set *usable[3];
    int n = 0;
#if FA_MULTIVERSIONING
    __builtin_cpu_init();
    int v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
    int v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
             && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    if (v4) usable[n++] = &fa_isa_v4;
    if (v3) usable[n++] = &fa_isa_v3;
#endif
    usable[n++] = &fa_isa_base;
    return 0 <= i && i < n ? usable[i] : NULL;
}
