"""Fit of the tanh-form gelu′ near its zero (scalar.py's _GELU_TANH_X0, _GELU_TANH_Q0, _GELU_TANH_R).

f′ = σ′(w)·M, M(x) = 1 + e^w + x·dw/dx, w = 2√(2/π)(x + 0.044715x³) (the decimal 0.044715, as the
kernels carry it). With u = x − x0 (x0 the zero of M): M = u·(Q0 + u·R(τ)), Q0 = M′(x0),
τ = u − center; R fitted by Lawson's iteration, weighted so that Q's relative error is minimax.

    python tools/gelu/fit_tanh_zero.py [lo hi center degrees]     (default: -1.7 0.8 -0.45 20)
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from lawson import lawson_seq  # noqa: E402
import mpmath as mp  # noqa: E402
import numpy as np  # noqa: E402

mp.mp.dps = 50
LD = np.longdouble
C2 = 2 * mp.sqrt(2 / mp.pi); K = mp.mpf("0.044715")
def Mf(x):
    w = C2 * (x + K * x**3)
    return 1 + mp.exp(w) + x * C2 * (1 + 3 * K * x * x)
x0 = mp.findroot(Mf, -0.75)
Q0 = mp.diff(Mf, x0)
def Rf(u): return (Mf(x0 + u) / u - Q0) / u if u != 0 else mp.diff(Mf, x0, 2) / 2
def ld(v): return LD(mp.nstr(v, 30))
args = sys.argv[1:] or ['-1.7', '0.8', '-0.45', '20']
lo, hi, center = float(args[0]), float(args[1]), float(args[2])
n = 700
k = np.arange(n); cc = np.cos(np.pi*(k+0.5)/n)
u = np.concatenate([(lo+hi)/2 + (hi-lo)/2*cc, [lo, hi]])
tau = u - center
f = np.array([ld(Rf(mp.mpf(t))) for t in u])
# weight: error in R relative to Q = Q0 + u R  (times |u|)
Qv = np.array([float(Q0 + mp.mpf(t) * Rf(mp.mpf(t))) for t in u])
w = np.abs(u) / np.abs(Qv)
uu = np.linspace(lo, hi, 4001)
Rr = np.array([ld(Rf(mp.mpf(t))) for t in uu]); Qr = np.array([float(Q0 + mp.mpf(t) * Rf(mp.mpf(t))) for t in uu])
q0h = float(Q0); print("Q0", repr(q0h), repr(float(Q0 - q0h)), "x0", repr(float(x0)), repr(float(x0 - float(x0))))
for deg in [int(v) for v in args[3].split(",")]:
    cf = lawson_seq(tau, f, w, deg, float, 0, iters=40)
    p = np.zeros_like(uu, dtype=LD)
    for v in cf[::-1]: p = p * (uu - center).astype(LD) + v
    err = np.max((np.abs((p - Rr).astype(np.float64)) * np.abs(uu) / np.abs(Qr)))
    print("deg", deg, "relerr of Q %.3e" % err)
    print("  R (tau^0..)", ", ".join(repr(float(v)) for v in cf))
