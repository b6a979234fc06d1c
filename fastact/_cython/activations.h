/* The scalar activation formulas for float (suffix _f32) and double (suffix _f64).
 *
 * formulas.h holds each formula once, written for a type T; this header instantiates it
 * twice, double first: the float formulas that compute in double call the _f64 helpers.
 * See formulas.h for the function names and signatures.
 */
#ifndef FASTACT_ACTIVATIONS_H
#define FASTACT_ACTIVATIONS_H

#include <math.h>
#include "vmath.h"

#define T double
#define FA_DOUBLE_PASS
#define FA(name) name##_f64
#define EXP fa_exp_f64
#define EXP_SCALED fa_exp_scaled_f64
#define EXP_SCALE FA_EXP_SCALE_F64
#define EXP_SCALED_LO FA_EXP_SCALED_LO_F64
#define EXPM1 fa_expm1_f64
#define TANH fa_tanh_f64
#define LOG1P_UNIT fa_log1p_unit_f64
#define FMA __builtin_fma
#define FABS __builtin_fabs
#define MIN_ABS fa_min_abs_f64
#define POLY fa_poly_f64
#include "formulas.h"
#undef T
#undef FA
#undef EXP
#undef EXP_SCALED
#undef EXP_SCALE
#undef EXP_SCALED_LO
#undef EXPM1
#undef TANH
#undef LOG1P_UNIT
#undef FMA
#undef FABS
#undef MIN_ABS
#undef POLY
#undef FA_DOUBLE_PASS

#define T float
#define FA(name) name##_f32
#define EXP fa_exp_f32
#define EXP_SCALED fa_exp_scaled_f32
#define EXP_SCALE FA_EXP_SCALE_F32
#define EXP_SCALED_LO FA_EXP_SCALED_LO_F32
#define EXPM1 fa_expm1_f32
#define TANH fa_tanh_f32
#define LOG1P_UNIT fa_log1p_unit_f32
#define FMA __builtin_fmaf
#define FABS __builtin_fabsf
#define MIN_ABS fa_min_abs_f32
#define POLY fa_poly_f32
#include "formulas.h"
#undef T
#undef FA
#undef EXP
#undef EXP_SCALED
#undef EXP_SCALE
#undef EXP_SCALED_LO
#undef EXPM1
#undef TANH
#undef LOG1P_UNIT
#undef FMA
#undef FABS
#undef MIN_ABS
#undef POLY

#endif
