# Coefficient fits of the gelu (erf form) kernels (scalar.py's _gelu32, _gelu_slope32, _gelu64,
# _gelu_slope64; formulas.h): Lawson minimax in relative error, coefficients rounded to the type
# one at a time and the rest refitted. Research scripts run by hand from this directory; kept
# for the provenance of the constants (float: fit.py, fit2.py, fit4.py, fit5.py; double: fit64.py, fitsmall.py).
import mpmath as mp, numpy as np, sys
from fit import W, H, x0
from fit2 import fit_rounded
def relerr(v):
    f = float(np.float32(float(v))); u = 2.0**(np.floor(np.log2(abs(f)))-23)
    return abs(f - float(v))/u
def fit_shift(fn, c, deg, amax=15.0, n=300):
    tmax = (amax-c)/(amax+c); mid = (-1+tmax)/2
    A = lambda ti: mp.mpf(c)*(1+mp.mpf(ti))/(1-mp.mpf(ti))
    cands = sorted((relerr(fn(A(mid + j/1024), c)), mid + j/1024) for j in range(-40, 41))
    # t0 with 1 + t0 exactly a float with few bits: j/1024 grid relative to rounded mid
    best = None
    for j in range(-40, 41):
        t0 = round(mid*1024)/1024 + j/1024
        e = relerr(fn(A(t0), c))
        if best is None or e < best[0]: best = (e, t0)
    t0 = best[1]
    k = np.arange(n); uu = np.cos(np.pi*(k+0.5)/n)
    t = mid + (tmax+1)/2*uu; t = np.concatenate([t, [-1.0, tmax]])
    f = np.array([float(fn(A(ti), c)) for ti in t])
    tau = t - t0
    cf = fit_rounded(np.vander(tau, deg+1, increasing=True), f, 1/np.abs(f))
    tt = np.linspace(-1, tmax, 4001)
    ff = np.array([float(fn(A(ti), c)) for ti in tt])
    # float32 horner in tau
    t32 = (tt - t0).astype(np.float32); p = np.full_like(t32, np.float32(cf[-1]))
    for v in cf[-2::-1]: p = (p.astype(np.float64)*t32 + np.float32(v)).astype(np.float32)
    err = np.max(np.abs(np.polyval(cf[::-1], tt - t0)/ff - 1))
    err32 = np.max(np.abs(p/ff - 1))
    return t0, best[0], cf, err, err32
if __name__ == "__main__":
    which = sys.argv[1]
    fn = (lambda a, c: W(a, c)) if which == "W" else (lambda a, c: H(a))
    c = float(sys.argv[2])
    for deg in [int(v) for v in sys.argv[3].split(",")]:
        t0, e0, cf, err, err32 = fit_shift(fn, c, deg)
        print(which, c, deg, "t0", t0, "c0err %.3f" % e0, "approx %.2e float-horner %.2e" % (err, err32), " ".join("%.9g" % v for v in cf), flush=True)
