# Coefficient fits of the gelu (erf form) kernels (scalar.py's _gelu32, _gelu_slope32, _gelu64,
# _gelu_slope64; formulas.h): Lawson minimax in relative error, coefficients rounded to the type
# one at a time and the rest refitted. Research scripts run by hand from this directory; kept
# for the provenance of the constants (float: fit.py, fit2.py, fit4.py, fit5.py; double: fit64.py, fitsmall.py).
from fit64 import *
import fit64, sys
fit64.NDD = 0
c0 = 1/mp.sqrt(2*mp.pi)
def Rf(z):
    x = mp.sqrt(z)
    return ((mp.ncdf(x) - mp.mpf(1)/2)/x - c0)/z
T = float(sys.argv[1]); n = 400
k = np.arange(n); cc = np.cos(np.pi*(k+0.5)/n)
z = np.concatenate([T*T/2 + T*T/2*cc, [T*T]])
f = np.array([ld(Rf(mp.mpf(v))) for v in z])
w = np.array([float(mp.sqrt(v)*v/mp.ncdf(-mp.sqrt(v))) for v in z])
for deg in [int(v) for v in sys.argv[2].split(",")]:
    cf = lawson_seq(z, f, w, deg)
    zz = np.linspace(0, T*T, 4001)[1:]
    ff = np.array([ld(Rf(mp.mpf(v))) for v in zz]); ww = np.array([float(mp.sqrt(v)*v/mp.ncdf(-mp.sqrt(v))) for v in zz])
    err = np.max(np.abs((horner_ld(cf, zz) - ff).astype(float))*ww)
    print("T", T, "deg", deg, "err %.2e" % err, ", ".join(repr(float(v)) for v in cf), flush=True)
