"""Fit the Chebyshev coefficients of fastact._kernels.special.erfc (run once; prints them).

erfc(z) = e^(−z²)·h(t)/(1 + 2z) for z ≥ 0, t = (z − K)/(z + K) ∈ [−1, 1), where
h(t) = erfcx(z)·(1 + 2z) is smooth and bounded on the whole half-line. The coefficients are
the Chebyshev interpolant of h at N nodes, computed in 60-digit arithmetic (mpmath), then
truncated to the degree whose measured error is below float64 rounding.
"""

import sys

import mpmath as mp

mp.mp.dps = 60
K = mp.mpf(sys.argv[1]) if len(sys.argv) > 1 else mp.mpf(4)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 64


def h(t):
    if t == 1:
        return 2 / mp.sqrt(mp.pi)
    z = K * (1 + t) / (1 - t)
    return mp.erfc(z) * mp.exp(z * z) * (1 + 2 * z)


nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / N) for k in range(N)]
values = [h(t) for t in nodes]
coef = [2 * mp.fsum(values[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / N) for k in range(N)) / N
        for j in range(N)]
coef[0] /= 2
for j, c in enumerate(coef):
    print(j, mp.nstr(c, 20))
