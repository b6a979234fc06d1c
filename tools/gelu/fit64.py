# Coefficient fits of the gelu (erf form) kernels (scalar.py's _gelu32, _gelu_slope32, _gelu64,
# _gelu_slope64; formulas.h): Lawson minimax in relative error, coefficients rounded to the type
# one at a time and the rest refitted. Research scripts run by hand from this directory; kept
# for the provenance of the constants (float: fit.py, fit2.py, fit4.py, fit5.py; double: fit64.py, fitsmall.py).
import pathlib, sys
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from lawson import lawson_seq  # noqa: E402
import mpmath as mp, numpy as np, sys
mp.mp.dps = 40
LD = np.longdouble
NDD = 1
x0 = -mp.findroot(lambda x: mp.ncdf(x) + x*mp.npdf(x), -0.75)
def erfcx(z): return mp.erfc(z)*mp.exp(z*z)
def Hf(a): return (erfcx(a/mp.sqrt(2))/2 - a/mp.sqrt(2*mp.pi))/(x0 - a)
def Gf(a): return a*erfcx(a/mp.sqrt(2))/2
def ld(v): return LD(mp.nstr(v, 30))

def horner_ld(cf, tau):
    p = np.zeros_like(tau, dtype=LD)
    for v in cf[::-1]: p = p*tau.astype(LD) + LD(v)
    return p

def tail_fit(fn, alo, ahi, C, u0, deg, n=500, fixed0=()):
    ulo, uhi = alo/(alo+C), ahi/(ahi+C)
    k = np.arange(n); cc = np.cos(np.pi*(k+0.5)/n)
    u = np.concatenate([(ulo+uhi)/2 + (uhi-ulo)/2*cc, [ulo, uhi]])
    tau = u - u0                       # doubles; exact u = tau + u0 in mp
    A = [mp.mpf(C)*(mp.mpf(ti)+u0)/(1-(mp.mpf(ti)+u0)) for ti in tau]
    fv = [fn(a) for a in A]
    f = np.array([ld(v) for v in fv]); w = 1/np.abs(f.astype(np.float64))
    cf = lawson_seq(tau, f, w, deg, ndd=NDD, fixed0=fixed0)
    # check
    uu = np.linspace(ulo, uhi, 3001); tt = uu - u0
    AA = [mp.mpf(C)*(mp.mpf(ti)+u0)/(1-(mp.mpf(ti)+u0)) for ti in tt]
    ff = np.array([ld(fn(a)) for a in AA])
    err = np.max(np.abs((horner_ld(cf, tt) - ff)/ff).astype(np.float64))
    return cf, err, tt, ff

if __name__ == "__main__":
    which = sys.argv[1]
    if which in ("H", "G"):
        fn = Hf if which == "H" else Gf
        alo = 0.0 if which == "H" else float(sys.argv[5])
        C = float(sys.argv[2]); ahi = 38.75
        for deg in [int(v) for v in sys.argv[3].split(",")]:
            ulo, uhi = alo/(alo+C), ahi/(ahi+C)
            u0 = float(sys.argv[4]) if sys.argv[4] != "mid" else round((ulo+uhi)/2*64)/64
            cf, err, tt, ff = tail_fit(fn, alo, ahi, C, u0, deg)
            print(which, "C", C, "u0", u0, "deg", deg, "relerr %.2e" % err, flush=True)
            c0h = float(cf[0]); c0l = float(cf[0] - LD(c0h))
            print("  c0 %r %r" % (c0h, c0l)); print("  coef", ", ".join(repr(float(v)) for v in cf[1:]))
