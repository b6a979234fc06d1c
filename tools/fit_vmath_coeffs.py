"""Regenerate the polynomial coefficients used by ``fastact._kernels.vmath``.

Each kernel polynomial is a Chebyshev interpolant computed with
``mpmath.chebyfit`` at 50 significant digits.  A Chebyshev interpolant is
within a small factor of the minimax (Remez) polynomial of the same degree,
which is ample here: every degree below was chosen so that the approximation
error is far below half an ULP, and the end-to-end bound (≤ 2 ULP, usually
≤ 1) is verified by ``tests/test_vmath.py``.

Run ``python tools/fit_vmath_coeffs.py`` and paste the printed tuples into
``vmath.py``.  Coefficients are printed highest degree first, the order
``vmath._horner`` consumes them.
"""
import mpmath as mp

mp.mp.dps = 50

HALF_LN2 = mp.log(2) / 2 + mp.mpf("0.001")  # |r| after rounding k, with slack
LOG_S_MAX2 = ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2 * mp.mpf("1.01")
ERF_SPLIT = 1  # erf uses the odd series below this |x|, the erfc form above
ERF_SHIFT = 2  # erfc form is a polynomial in t = 1/(|x| + ERF_SHIFT)


def _careful(f):
    """Evaluate f with generous working precision (cancellation near 0)."""

    def wrapped(x):
        with mp.workdps(400):
            if x == 0:
                x = mp.mpf(10) ** -300
            return +f(mp.mpf(x))

    return wrapped


def expm1_tail(r):
    """h(r) = (expm1(r) - r) / r**2, so that expm1(r) = r + r*(r*h(r))."""
    return (mp.expm1(r) - r) / r**2


def log_tail(z):
    """S(z) with 2*atanh(s) = 2s + s*z*S(z), z = s**2."""
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) / s - 2) / z


def erf_small(z):
    """Q(z) with erf(a) = a + a*Q(a**2) (small |a|)."""
    a = mp.sqrt(z)
    return mp.erf(a) / a - 1


def erfcx_of_t(t):
    """erfc(a)*exp(a**2) as a function of t = 1/(a + ERF_SHIFT)."""
    a = 1 / t - ERF_SHIFT
    return mp.erfc(a) * mp.exp(a * a)


FITS = [
    # name, function, interval, (float32 degree, float64 degree)
    ("EXPM1_TAIL", expm1_tail, (-HALF_LN2, HALF_LN2), (5, 10)),
    ("LOG_TAIL", log_tail, (0, LOG_S_MAX2), (3, 6)),
    ("ERF_SMALL", erf_small, (0, ERF_SPLIT**2), (6, 11)),
    ("ERFCX_F32", erfcx_of_t, (1 / mp.mpf(4 + ERF_SHIFT), 1 / mp.mpf(ERF_SPLIT + ERF_SHIFT)), (7, None)),
    ("ERFCX_F64", erfcx_of_t, (1 / mp.mpf(6 + ERF_SHIFT), 1 / mp.mpf(ERF_SPLIT + ERF_SHIFT)), (None, 16)),
]


def main():
    for name, func, interval, degrees in FITS:
        for suffix, degree, digits in (("F32", degrees[0], 9), ("F64", degrees[1], 17)):
            if degree is None:
                continue
            poly, err = mp.chebyfit(_careful(func), interval, degree + 1, error=True)
            label = name if name.endswith(suffix) else f"{name}_{suffix}"
            print(f"# degree {degree} on [{mp.nstr(interval[0], 6)}, {mp.nstr(interval[1], 6)}], "
                  f"max abs error {mp.nstr(err, 3)}")
            body = ", ".join(mp.nstr(c, digits, min_fixed=1, max_fixed=0) for c in poly)
            print(f"{label} = ({body})\n")


if __name__ == "__main__":
    main()
