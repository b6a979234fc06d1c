/* The activations that have C kernels: one line each.
 *
 *   X(name, FROM_Y, PARAMS)
 *     name     the catalogue name; activations.h defines name_forward_f32, ... (formulas.h)
 *     FROM_Y   1 when name_vjp_from_y exists (the output determines the derivative)
 *     PARAMS   1 when name_param_vjp exists (learnable parameters)
 *
 * gelu has one line per form (gelu: the erf form, gelu_tanh: the tanh approximation), so
 * that each loop computes one form; the backend picks the set by gelu's parameter. msaf has
 * one line per number of shifts up to 3 (msaf1, msaf2, msaf3: those loops vectorize) and one
 * for any number (msaf, scalar); the backend picks the set by the length of r. sigmoid1 and
 * softplus1 are sigmoid and softplus with their default slope β = 1, picked when it is 1.
 *
 * Adding an activation to the cython backend = its scalar functions in formulas.h + one line here.
 */
#define FA_ACTIVATIONS(X) \
    X(sigmoid, 1, 1)      \
    X(sigmoid1, 1, 1)     \
    X(tanh, 1, 0)         \
    X(msaf, 0, 1)         \
    X(msaf1, 0, 1)        \
    X(msaf2, 0, 1)        \
    X(msaf3, 0, 1)        \
    X(sym_msaf, 0, 1)     \
    X(relu, 1, 0)         \
    X(leaky_relu, 1, 1)   \
    X(elu, 1, 1)          \
    X(selu, 1, 0)         \
    X(celu, 1, 1)         \
    X(gelu, 0, 0)         \
    X(gelu_tanh, 0, 0)    \
    X(silu, 0, 0)         \
    X(swish, 0, 1)        \
    X(mish, 0, 0)         \
    X(softplus, 1, 1)     \
    X(softplus1, 1, 1)    \
    X(softsign, 1, 0)     \
    X(hardtanh, 1, 0)     \
    X(relu6, 1, 0)        \
    X(hardsigmoid, 1, 0)  \
    X(hardswish, 0, 0)    \
    X(log_sigmoid, 1, 0)  \
    X(threshold, 1, 0)
