"""Measure the ULP error of ``fastact._kernels.vmath`` against references.

Run ``python -m fastact._kernels.vmath_accuracy [n_float32] [n_float64]`` to
print the max-ULP table reproduced in ``docs/accuracy.md``.

References: float32 results are compared with the float64 NumPy/SciPy
function (error of the reference ~2**-29 float32 ULP); float64 results with
mpmath at 40 significant digits.  The error of a result is
``|got - ref| / ulp(ref)`` where ``ulp`` is the spacing of the result type
at ``|ref|`` rounded toward zero (the subnormal spacing below the normal
range).  Points whose reference overflows the type are left to the special
value tests.

Inputs mix, per function, a sign-symmetric log-uniform sweep over every
finite magnitude of the type (subnormals included; this covers the
cancellation regions near 0) with uniform sweeps over the function's
interesting range (see ``SWEEP_RANGES``).
"""
import sys

import mpmath
import numpy as np
import scipy.special
from numba import njit

from fastact._kernels import vmath

FUNCTIONS = ("exp", "expm1", "log", "log1p", "log1p_unit", "tanh", "erf", "sigmoid")
#: Functions defined on [0, 1] only: their log sweep covers the magnitudes up to 1, positive.
UNIT_DOMAIN = ("log1p_unit",)

# Uniform sweeps (lo, hi) per function and dtype, besides the log sweep.
SWEEP_RANGES = {
    "exp": {np.float32: [(-104.0, 89.0), (-1.0, 1.0)],
            np.float64: [(-746.0, 710.0), (-1.0, 1.0)]},
    "expm1": {np.float32: [(-20.0, 89.0), (-1.0, 1.0)],
              np.float64: [(-40.0, 710.0), (-1.0, 1.0)]},
    "log": {np.float32: [(0.0, 4.0), (0.5, 1.5)],
            np.float64: [(0.0, 4.0), (0.5, 1.5)]},
    "log1p": {np.float32: [(-1.0, 4.0), (-0.5, 0.5)],
              np.float64: [(-1.0, 4.0), (-0.5, 0.5)]},
    "log1p_unit": {np.float32: [(0.0, 1.0), (0.9, 1.0)],
                   np.float64: [(0.0, 1.0), (0.9, 1.0)]},
    "tanh": {np.float32: [(-10.0, 10.0), (-1.0, 1.0)],
             np.float64: [(-20.0, 20.0), (-1.0, 1.0)]},
    "erf": {np.float32: [(-4.5, 4.5), (-1.5, 1.5)],
            np.float64: [(-6.5, 6.5), (-1.5, 1.5)]},
    "sigmoid": {np.float32: [(-110.0, 90.0), (-20.0, 20.0)],
                np.float64: [(-750.0, 710.0), (-40.0, 40.0)]},
}

_FLOAT64_REFERENCE = {
    "exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "log1p_unit": np.log1p,
    "tanh": np.tanh, "erf": scipy.special.erf, "sigmoid": scipy.special.expit,
}

_MPMATH_REFERENCE = {
    "exp": mpmath.exp, "expm1": mpmath.expm1, "log": mpmath.log,
    "log1p": lambda x: mpmath.log1p(x), "log1p_unit": lambda x: mpmath.log1p(x), "tanh": mpmath.tanh,
    "erf": mpmath.erf, "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
}


def _make_loop(func):
    @njit
    def apply(x, out):
        for i in range(x.size):
            out[i] = func(x[i])

    return apply


_LOOPS = {name: _make_loop(getattr(vmath, name)) for name in FUNCTIONS}


def evaluate(name, x):
    """vmath.<name> applied elementwise to array x inside an njit loop."""
    out = np.empty_like(x)
    _LOOPS[name](x, out)
    return out


def sample_inputs(name, dtype, n, seed=0):
    """n test inputs of dtype: half log-uniform over all finite magnitudes
    (both signs; up to 1 and positive for UNIT_DOMAIN), the rest uniform over
    SWEEP_RANGES[name][dtype]."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    unit = name in UNIT_DOMAIN
    lo_exp, hi_exp = np.log2(float(info.smallest_subnormal)), 0.0 if unit else np.log2(float(info.max))
    n_log = n // 2
    magnitude = np.exp2(rng.uniform(lo_exp, hi_exp, n_log))
    signs = 1.0 if unit else rng.choice([-1.0, 1.0], n_log)
    parts = [(magnitude * signs).astype(dtype)]
    ranges = SWEEP_RANGES[name][dtype]
    for lo, hi in ranges:
        parts.append(rng.uniform(lo, hi, (n - n_log) // len(ranges)).astype(dtype))
    return np.concatenate(parts)


def ulp_at(ref, dtype):
    """Spacing of dtype at |ref| rounded toward zero (ref in float64)."""
    rounded = np.abs(ref).astype(dtype)
    too_big = rounded.astype(np.float64) > np.abs(ref)
    rounded = np.where(too_big, np.nextafter(rounded, dtype(0)), rounded)
    return np.spacing(rounded).astype(np.float64)


def ulp_errors_float32(name, x):
    """ULP errors of the float32 kernel at x (float32 array), float64 ref."""
    with np.errstate(all="ignore"):
        ref = _FLOAT64_REFERENCE[name](x.astype(np.float64))
    keep = np.isfinite(ref) & (np.abs(ref) <= np.finfo(np.float32).max)
    got = evaluate(name, x)[keep].astype(np.float64)
    ref = ref[keep]
    with np.errstate(invalid="ignore"):
        err = np.abs(got - ref) / ulp_at(ref, np.float32)
    return x[keep], np.where(np.isnan(err), np.inf, err)


def ulp_errors_float64(name, x):
    """ULP errors of the float64 kernel at x (float64 array), mpmath ref."""
    got = evaluate(name, x)
    reference = _MPMATH_REFERENCE[name]
    max_finite = mpmath.mpf(float(np.finfo(np.float64).max))
    xs, errs = [], []
    with mpmath.workdps(40):
        for xi, gi in zip(x.tolist(), got.tolist()):
            if (name == "log" and xi <= 0) or (name == "log1p" and xi <= -1):
                continue
            ref = reference(mpmath.mpf(xi))
            if abs(ref) > max_finite:
                continue
            ulp = float(ulp_at(np.array([float(ref)]), np.float64)[0])
            if not np.isfinite(gi):
                errs.append(np.inf)
            else:
                errs.append(float(abs(mpmath.mpf(gi) - ref) / ulp))
            xs.append(xi)
    return np.array(xs), np.array(errs)


def max_ulp_table(n_float32=1_000_000, n_float64=20_000):
    """{(name, dtype name): (max ulp, argmax input)} for all functions."""
    table = {}
    for name in FUNCTIONS:
        for dtype, n, measure in ((np.float32, n_float32, ulp_errors_float32),
                                  (np.float64, n_float64, ulp_errors_float64)):
            x, err = measure(name, sample_inputs(name, dtype, n))
            worst = int(np.argmax(err))
            table[name, dtype.__name__] = (float(err[worst]), float(x[worst]))
    return table


def main(argv):
    n32 = int(float(argv[0])) if argv else 10_000_000
    n64 = int(float(argv[1])) if len(argv) > 1 else 100_000
    print(f"float32: {n32} points per function (float64 reference); "
          f"float64: {n64} points per function (mpmath reference)")
    print(f"| function | float32 max ULP | worst x (f32) | float64 max ULP | worst x (f64) |")
    print("|---|---|---|---|---|")
    table = max_ulp_table(n32, n64)
    for name in FUNCTIONS:
        e32, x32 = table[name, "float32"]
        e64, x64 = table[name, "float64"]
        print(f"| {name} | {e32:.3f} | {x32:.9g} | {e64:.3f} | {x64:.17g} |")


if __name__ == "__main__":
    main(sys.argv[1:])
