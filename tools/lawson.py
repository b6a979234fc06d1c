"""Lawson's iteration for polynomial fits in weighted (relative) error with the coefficients fixed
one at a time: the fits of tools/gelu/fit64.py, tools/gelu/fitsmall.py and tools/mish/fit.py."""
import numpy as np

LD = np.longdouble


def lawson_seq(tau, f, w, deg, rnd=float, ndd=0, fixed0=(), iters=30):
    """Coefficients c_0 … c_deg of Σ c_j·τ^j ≈ f, minimax-ish in the error weighted by w, fitted
    lowest degree first: each c_j (after fixed0) is rounded by rnd (the first ndd are kept in
    long double) and the rest refitted to what is left. tau: float64 array; f: long double array;
    w: float64 weights."""
    n = len(tau)
    V = np.vander(tau.astype(LD), deg+1, increasing=True)
    fixed = list(fixed0)
    for j in range(len(fixed), deg+1):
        r = f - (V[:, :j] @ np.array(fixed, dtype=LD) if j else 0)
        A = V[:, j:]
        Ad = A.astype(np.float64)
        lw = np.ones(n)
        c = np.zeros(deg+1-j, dtype=LD); best = None
        for it in range(iters):
            s = w*np.sqrt(lw)
            for ref in range(2):
                res = r - A @ c
                M = Ad*s[:, None]; nrm = np.linalg.norm(M, axis=0)
                dc = np.linalg.lstsq(M/nrm, (res*s).astype(np.float64), rcond=1e-30)[0]/nrm
                c = c + dc.astype(LD)
            e = np.abs((r - A @ c).astype(np.float64))*w
            if best is None or e.max() < best[0]: best = (e.max(), c.copy())
            lw = lw*e; lw /= lw.sum()
        fixed.append(best[1][0] if j < ndd else LD(rnd(best[1][0])))
    return np.array(fixed, dtype=LD)
