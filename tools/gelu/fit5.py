# Coefficient fits of the gelu (erf form) kernels (scalar.py's _gelu32, _gelu_slope32, _gelu64,
# _gelu_slope64; formulas.h): Lawson minimax in relative error, coefficients rounded to the type
# one at a time and the rest refitted. Research scripts run by hand from this directory; kept
# for the provenance of the constants (float: fit.py, fit2.py, fit4.py, fit5.py; double: fit64.py, fitsmall.py).
import mpmath as mp, numpy as np, sys
mp.mp.dps = 30
from fit2 import lawson
def erfcx(z): return mp.erfc(z)*mp.exp(z*z)
def Wfun(a, C): return erfcx(a/mp.sqrt(2))/2*(a+C)
def fit_seq(tau, f, deg, w):
    V = np.vander(tau, deg+1, increasing=True)
    fixed = []
    for j in range(deg+1):
        r = f - (V[:, :j] @ np.array(fixed) if j else 0)
        coef = lawson(V[:, j:], r, w)
        fixed.append(float(np.float32(coef[0])))
    return np.array(fixed)
def tail(T, C, deg, n=300):
    umin, umax = T/(T+C), 15/(15+C)
    c = float(np.float32(min(umax/2 + 0*umin, 2*umin)))  # pick c: Sterbenz needs c in [umax/2, 2umin]
    lo, hi = umax/2, 2*umin
    c = float(np.float32((lo+hi)/2)) if lo <= hi else float(np.float32((umin+umax)/2))
    k = np.arange(n); uu = np.cos(np.pi*(k+0.5)/n)
    u = (umin+umax)/2 + (umax-umin)/2*uu; u = np.concatenate([u, [umin, umax]])
    a = [mp.mpf(C)*ui/(1-ui) for ui in u]
    f = np.array([float(Wfun(ai, C)) for ai in a])
    cf = fit_seq(u - c, f, deg, 1/np.abs(f))
    uu2 = np.linspace(umin, umax, 3001)
    ff = np.array([float(Wfun(mp.mpf(C)*ui/(1-ui), C)) for ui in uu2])
    err = np.max(np.abs(np.polyval(cf[::-1], uu2 - c)/ff - 1))
    dW = np.polyval(np.polyder(cf[::-1]), uu2 - c)/ff
    s = (uu2-c)*np.polyval(cf[:0:-1], uu2-c)
    return c, lo <= hi, cf, err, np.max(np.abs(dW)), np.max(np.abs(s/cf[0]))
def small(T, deg, n=200):
    k = np.arange(n); uu = np.cos(np.pi*(k+0.5)/n)
    z = T*T/2 + T*T/2*uu; z = np.concatenate([z, [0.0, T*T]])
    P = lambda zz: (mp.ncdf(mp.sqrt(zz)) - mp.mpf(1)/2)/mp.sqrt(zz) if zz > 0 else 1/mp.sqrt(2*mp.pi)
    f = np.array([float(P(mp.mpf(zi))) for zi in z])
    wf = lambda zz: np.sqrt(zz)/np.array([float(mp.ncdf(-mp.sqrt(mp.mpf(v)))) for v in zz])
    cf = fit_seq(z, f, deg, wf(z) + 1e-3)
    zz = np.linspace(0, T*T, 3001)
    ff = np.array([float(P(mp.mpf(zi))) for zi in zz])
    return cf, np.max(np.abs(np.polyval(cf[::-1], zz) - ff)*wf(zz))
if __name__ == "__main__":
    if sys.argv[1] == "tail":
        T = float(sys.argv[2])
        for C in [float(v) for v in sys.argv[3].split(",")]:
            for deg in [int(v) for v in sys.argv[4].split(",")]:
                c, ok, cf, err, dW, sr = tail(T, C, deg)
                print("T", T, "C", C, "deg", deg, "c", c, "sterbenz", ok, "err %.2e |W'/W| %.2f |s/c0| %.2f" % (err, dW, sr), " ".join("%.9g" % v for v in cf), flush=True)
    else:
        for T in [float(v) for v in sys.argv[2].split(",")]:
            for deg in [int(v) for v in sys.argv[3].split(",")]:
                cf, err = small(T, deg)
                print("T", T, "deg", deg, "err %.2e" % err, " ".join("%.9g" % v for v in cf), flush=True)
