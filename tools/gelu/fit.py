# Coefficient fits of the gelu (erf form) kernels (scalar.py's _gelu32, _gelu_slope32, _gelu64,
# _gelu_slope64; formulas.h): Lawson minimax in relative error, coefficients rounded to the type
# one at a time and the rest refitted. Research scripts run by hand from this directory; kept
# for the provenance of the constants (float: fit.py, fit2.py, fit4.py, fit5.py; double: fit64.py, fitsmall.py).
import mpmath as mp, numpy as np, sys
mp.mp.dps = 40
x0 = mp.findroot(lambda x: mp.ncdf(x) + x*mp.npdf(x), -0.75)
print("x0", mp.nstr(x0, 25))
def erfcx(z): return mp.erfc(z)*mp.exp(z*z)
def W(a, c): return erfcx(a/mp.sqrt(2))/2*(a+c)
def H(a):
    return (erfcx(a/mp.sqrt(2))/2 - a/mp.sqrt(2*mp.pi))/(-a - x0)
def fit(fn, c, deg, amax=15.0, n=400):
    tmax = (amax-c)/(amax+c)
    # chebyshev nodes on [-1, tmax]
    k = np.arange(n); u = np.cos(np.pi*(k+0.5)/n)
    t = (-1+tmax)/2 + (tmax+1)/2*u
    a = [c*(1+ti)/(1-ti) for ti in t]
    f = np.array([float(fn(mp.mpf(ai), c)) for ai in a])
    V = np.vander(t, deg+1, increasing=True)
    w = 1/np.abs(f)
    # IRLS toward minimax (Lawson)
    lw = np.ones(n)
    for it in range(60):
        coef = np.linalg.lstsq(V*(w*np.sqrt(lw))[:,None], f*w*np.sqrt(lw), rcond=None)[0]
        e = np.abs(V@coef - f)*w
        lw = lw*e; lw /= lw.sum()
    # dense check
    tt = np.linspace(-1, tmax, 3001)
    aa = [c*(1+ti)/(1-ti) for ti in tt]
    ff = np.array([float(fn(mp.mpf(ai), c)) for ai in aa])
    cf = coef.astype(np.float32).astype(np.float64)
    err = np.max(np.abs(np.polyval(coef[::-1], tt)/ff - 1))
    errf = np.max(np.abs(np.polyval(cf[::-1], tt)/ff - 1))
    return coef, err, errf
if __name__ == "__main__":
    which = sys.argv[1]
    fn = (lambda a, c: W(a, c)) if which == "W" else (lambda a, c: H(a))
    for c in [float(v) for v in sys.argv[2].split(",")]:
        for deg in [int(v) for v in sys.argv[3].split(",")]:
            coef, err, errf = fit(fn, c, deg, n=200)
            print(which, c, deg, "%.2e %.2e" % (err, errf), "maxcoef %.2f" % np.max(np.abs(coef)))
