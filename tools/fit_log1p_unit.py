"""Fit Q of log1p(e) = e + e·(e·Q(t)), t = e − ½, on e in [0, 1] (vmath's ``log1p_unit``, the
log1p of softplus and log-sigmoid, whose argument is e = exp(−|z|)).

Q ≈ (log1p(e) − e)/e², fitted by Lawson's iteration (tools/lawson.py) in the error relative to
log1p(e)/e², coefficients rounded to the target type lowest degree first. Without a division
or a range reduction: the nearest singularity of log1p(e)/e is at e = −1, so each degree gains
a factor ~5.8 on [0, 1]: degree 8 for float, 19 for double. In t = e − ½ the terms decay like
3^−k: in e itself they alternate with 1/k decay, and the split Horner of the double kernels
(four partial sums of one sign each) cancelled to 2.2 ULP near e = 1.

    python tools/fit_log1p_unit.py          # prints both coefficient lists, highest degree first

Also prints the maximum error of e + e·(e·Q(e)) in ULP of log1p(e) (float: every float of
[0, 1] on a 4e6-point grid and 2^−k, Horner with fma; double: 3e4 random points against mpmath,
the kernels' split Horner (no fma inside it), the final step fused).
"""
import pathlib
import sys

import mpmath
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from lawson import LD, lawson_seq  # noqa: E402

mpmath.mp.dps = 50
DEGREES = {np.float32: 8, np.float64: 19}
SHIFT = 0.5


def fit(dtype):
    grid = np.unique(np.concatenate([np.linspace(0, 1, 3000), 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, 3000))]))
    target, scale = [], []
    for v in grid:
        e = mpmath.mpf(float(v))
        target.append((mpmath.log1p(e) - e) / e**2 if v else mpmath.mpf(-0.5))
        scale.append(float(mpmath.log1p(e) / e**2) if v else 1e300)
    weight = 1 / np.array(scale)
    return lawson_seq(grid - SHIFT, np.array(target, dtype=LD), weight, DEGREES[dtype], rnd=dtype, iters=40)


def error_float32(c):
    f32 = np.float32

    def fma(a, b, x):  # exact: the product of two floats is exact in double
        return (a.astype(np.float64) * b.astype(np.float64) + x.astype(np.float64)).astype(f32)

    e = np.unique(np.concatenate([np.linspace(0, 1, 4_000_000, dtype=f32),
                                  (f32(2.0) ** -np.arange(0, 150, 0.001)).astype(f32)]))
    e = e[(e >= 0) & (e <= 1)]
    t = (e - f32(SHIFT)).astype(f32)
    q = np.full_like(e, f32(c[-1]))
    for cc in c[::-1][1:]:
        q = fma(q, t, np.full_like(e, f32(cc)))
    y = fma(e, (e * q).astype(f32), e)
    ref = np.log1p(e.astype(np.float64))
    normal = ref >= np.finfo(f32).tiny
    err = np.abs(y.astype(np.float64) - ref) / np.spacing(ref.astype(f32)).astype(np.float64)
    return err[normal].max()


def error_float64(c):
    rng = np.random.default_rng(1)
    e = np.concatenate([rng.uniform(0, 1, 20000), rng.uniform(0.9, 1, 5000), 2.0 ** -rng.uniform(0, 60, 5000)])
    t = e - SHIFT
    t2, t4 = t * t, (t * t) * (t * t)
    chains = [None] * 4  # the kernels' split Horner (fa_poly_f64, straight_line_horner), no fma
    for k in range(len(c) - 1, -1, -1):
        j = k % 4
        chains[j] = float(c[k]) if chains[j] is None else chains[j] * t4 + float(c[k])
    q = (chains[0] + t * chains[1]) + t2 * (chains[2] + t * chains[3])
    eq = e * q
    worst = 0.0
    for v, w in zip(e.tolist(), eq.tolist()):
        y = float(mpmath.mpf(v) * mpmath.mpf(w) + mpmath.mpf(v))  # the kernels' final fma
        ref = mpmath.log1p(mpmath.mpf(v))
        worst = max(worst, float(abs(mpmath.mpf(y) - ref) / mpmath.mpf(float(np.spacing(float(ref))))))
    return worst


def main():
    for dtype, error in ((np.float32, error_float32), (np.float64, error_float64)):
        c = fit(dtype)
        print(f"{np.dtype(dtype).name}: degree {DEGREES[dtype]}, max error {error(c):.3f} ULP")
        print("  highest degree first:", [float(dtype(v)) for v in c[::-1]])


if __name__ == "__main__":
    main()
