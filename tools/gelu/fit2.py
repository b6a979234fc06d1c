# Coefficient fits of the gelu (erf form) kernels (scalar.py's _gelu32, _gelu_slope32, _gelu64,
# _gelu_slope64; formulas.h): Lawson minimax in relative error, coefficients rounded to the type
# one at a time and the rest refitted. Research scripts run by hand from this directory; kept
# for the provenance of the constants (float: fit.py, fit2.py, fit4.py, fit5.py; double: fit64.py, fitsmall.py).
import mpmath as mp, numpy as np, sys
from fit import W, H, x0
def lawson(V, f, w, iters=80):
    n = len(f); lw = np.ones(n)
    for it in range(iters):
        s = w*np.sqrt(lw)
        coef = np.linalg.lstsq(V*s[:,None], f*s, rcond=None)[0]
        e = np.abs(V@coef - f)*w
        lw = lw*e; lw /= lw.sum()
    return coef
def fit_rounded(V, f, w):
    """Coefficients of V's columns fitted in order (weighted Lawson), each rounded to float32
    before the next is fitted to what is left."""
    fixed = []
    for j in range(V.shape[1]):
        r = f - (V[:, :j] @ np.array(fixed) if j else 0)
        fixed.append(float(np.float32(lawson(V[:, j:], r, w)[0])))
    return np.array(fixed)


def fitr(fn, c, deg, amax=15.0, n=300, var="u"):
    tmax = (amax-c)/(amax+c)
    k = np.arange(n); u = np.cos(np.pi*(k+0.5)/n)
    t = (-1+tmax)/2 + (tmax+1)/2*u
    t = np.concatenate([t, [-1.0, tmax]])
    f = np.array([float(fn(mp.mpf(c)*(1+mp.mpf(ti))/(1-mp.mpf(ti)), c)) for ti in t])
    cf = fit_rounded(np.vander(t, deg+1, increasing=True), f, 1/np.abs(f))
    tt = np.linspace(-1, tmax, 4001)
    ff = np.array([float(fn(mp.mpf(c)*(1+mp.mpf(ti))/(1-mp.mpf(ti)), c)) for ti in tt])
    errf = np.max(np.abs(np.polyval(cf[::-1], tt)/ff - 1))
    return cf, errf
if __name__ == "__main__":
    which = sys.argv[1]
    fn = (lambda a, c: W(a, c)) if which == "W" else (lambda a, c: H(a))
    for c in [float(v) for v in sys.argv[2].split(",")]:
        for deg in [int(v) for v in sys.argv[3].split(",")]:
            cf, errf = fitr(fn, c, deg)
            print(which, c, deg, "%.2e" % errf, " ".join("%.9g" % v for v in cf), flush=True)
