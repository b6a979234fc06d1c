# Coefficient fit of mish′'s Q (scalar.py's _MISH_Q, formulas.h's fa_mish_q10: python tools/mish/fit.py f64 10)
# and of the float64 candidate (f64 18) in tools/mish/mish_candidates.h. Lawson minimax in relative error.
# Coefficient fit for mish' near its zero (mish.h): N(x) = (E+2)(E^2+2E+2) + 4x(1+E), E = e^x,
# mish'(x) = E*N/(E^2+2E+2)^2; on the band x in [XA, 0) N = u*Q(tau), u = x - x0 (exact),
# tau = u - UC; Q fitted by Lawson minimax in relative error, coefficients rounded to the type one
# at a time (lowest degree first) and the rest refitted. usage: python fit.py f32|f64 deg,deg..
import pathlib, sys
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from lawson import lawson_seq  # noqa: E402
import mpmath as mp, numpy as np, sys
mp.mp.dps = 50
LD = np.longdouble
def Nf(x):
    E = mp.exp(x); return (E+2)*(E*E+2*E+2) + 4*x*(1+E)
x0 = mp.findroot(Nf, -1.19)
XA = -1.75
UC = 0.3125
def Qf(u): return Nf(x0+u)/u
def ld(v): return LD(mp.nstr(v, 30))
def horner(cf, t):
    p = np.zeros_like(t, dtype=LD)
    for v in cf[::-1]: p = p*t + v
    return p
if __name__ == "__main__":
    typ = sys.argv[1]
    rnd = (lambda v: float(np.float32(v))) if typ == "f32" else float  # "f64" also serves the float kernels (double arithmetic)
    ulo, uhi = mp.mpf(XA) - x0, -x0
    n = 600
    k = np.arange(n); cc = np.cos(np.pi*(k+0.5)/n)
    lo, hi = float(ulo - UC), float(uhi - UC)
    tau = np.concatenate([(lo+hi)/2 + (hi-lo)/2*cc, [lo, hi]])
    f = np.array([ld(Qf(mp.mpf(t) + UC)) for t in tau]); w = 1/np.abs(f.astype(np.float64))
    tt = np.linspace(lo, hi, 4001)
    ff = np.array([ld(Qf(mp.mpf(t) + UC)) for t in tt])
    print("x0 =", mp.nstr(x0, 40))
    for deg in [int(v) for v in sys.argv[2].split(",")]:
        cf = lawson_seq(tau, f, w, deg, rnd, 1, iters=40)
        err = np.max(np.abs((horner(cf, tt.astype(LD)) - ff)/ff).astype(np.float64))
        c0h = rnd(cf[0]); c0l = float(cf[0] - LD(c0h))
        print(typ, "deg", deg, "relerr %.3e" % err)
        print("  c0 %r %r" % (c0h, rnd(c0l)))
        print("  coef (tau^1..)", ", ".join(repr(rnd(v)) for v in cf[1:]))
