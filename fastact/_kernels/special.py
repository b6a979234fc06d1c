"""Special functions for the activations, in float64, without data-dependent branches.

``erfcx(z)`` = e^(z²)·erfc(z) for z ≥ 0 (the scaled complementary error function), which
GELU needs where erf's 1 + erf(x/√2) cancels (x ≪ 0): Φ(x) = ½·e^(−x²/2)·erfcx(−x/√2).

Method: h(t) = erfcx(z)·(1 + 2z) is smooth and bounded on the half-line z ≥ 0 when written in
t = (z − 4)/(z + 4) ∈ [−1, 1); its Chebyshev interpolant of degree 25 (coefficients from
``tools/fit_erfcx.py``, 50-digit arithmetic, truncation error below 1e−17) is summed by
Clenshaw's recurrence, then erfcx = h/(1 + 2z). One polynomial covers every z ≥ 0, so the
loop body is the same for all elements; z = +inf selects 0.
"""

import math

from numba.extending import register_jitable

#: Chebyshev coefficients of h(t) = erfcx(z)·(1 + 2z), t = (z − 4)/(z + 4).
_ERFCX_CHEBYSHEV = (
    1.1774832005374487, -0.007260796620301901, -0.081265123236185, 0.06009212804122225,
    -0.02875393558027666, 0.01059566336347286, -0.003136927294554264, 0.0007456494372536184,
    -0.0001369696503010054, 1.7183861600300937e-05, -7.158364623450346e-07,
    -2.4261399442449534e-07, 5.5765709395703566e-08, -2.1057869513809494e-09,
    -1.1717889351884957e-09, 1.9098355172456688e-10, 1.408871764208813e-11,
    -6.901108320480815e-12, 9.167958364111294e-14, 2.1454508286554553e-13,
    -1.4716575027010623e-14, -6.668675118770408e-15, 7.504598509880083e-16,
    2.22009300666632e-16, -3.1704898956330886e-17, -8.193570309884333e-18,
)
_DEGREE = len(_ERFCX_CHEBYSHEV) - 1


@register_jitable(forceinline=True)
def erfcx(z):
    """e^(z²)·erfc(z) for float64 z ≥ 0 (NaN for NaN, 0 for +inf)."""
    t = (z - 4.0) / (z + 4.0)
    t2 = t + t
    b1 = 0.0
    b2 = 0.0
    for k in range(_DEGREE, 0, -1):  # Clenshaw: b_k = c_k + 2t·b_(k+1) − b_(k+2)
        b1, b2 = _ERFCX_CHEBYSHEV[k] + t2 * b1 - b2, b1
    h = _ERFCX_CHEBYSHEV[0] + t * b1 - b2
    return h / (1.0 + 2.0 * z) if z != math.inf else 0.0
