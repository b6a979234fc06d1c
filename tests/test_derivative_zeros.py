"""Derivatives at and near their zeros, against mpmath: silu′, swish′ (= silu′(βx)), gelu′ (both
forms), mish′.

f′ = a − b cancels at a zero of f′, so a formula that is not built for it loses all relative
accuracy there (the sweep of test_accuracy.py never comes close enough to notice). These sample
the floats nearest the zero, points at distances 2^−8 … 2^−(mantissa + 8) from it on both
sides, and a band around it, and hold every compiled backend to the 4 ULP contract.

    python tests/test_derivative_zeros.py [n]     # the maxima per case, n band points (20,000)
"""

import sys

import mpmath
import numpy as np
import pytest

import fastact

mpmath.mp.dps = 50

#: silu′'s zero (1 + x + e^x = 0), gelu′'s (Φ(x) + xφ(x) = 0) and that of gelu′'s tanh form.
SILU_ZERO = -1.2784645427610738
GELU_ZERO = -0.7517915246935645
GELU_TANH_ZERO = -0.7524614220710163
MISH_ZERO = -1.1924312145154952


def _mish_slope(x):
    t = mpmath.tanh(mpmath.log1p(mpmath.exp(x)))
    return t + x * (1 - t * t) / (1 + mpmath.exp(-x))


def _gelu_tanh_slope(x):
    """d/dx x·σ(w), w = 2√(2/π)(x + 0.044715x³), with the decimal 0.044715 the kernels carry."""
    k, c = mpmath.mpf("0.044715"), 2 * mpmath.sqrt(2 / mpmath.pi)
    s = 1 / (1 + mpmath.exp(-c * (x + k * x**3)))
    return s + x * s * (1 - s) * c * (1 + 3 * k * x * x)


def _silu_slope(z):
    s = 1 / (1 + mpmath.exp(-z))
    return s + z * s * (1 - s)


#: (name, params, dtypes, zero of f′ in x, f′(x) in mpmath for the dtype's parameter values).
CASES = [
    ("silu", {}, (np.float32, np.float64), SILU_ZERO, lambda x, p: _silu_slope(x)),
    ("swish", {"beta": 1.7}, (np.float32, np.float64), SILU_ZERO / 1.7,
     lambda x, p: _silu_slope(mpmath.mpf(p["beta"]) * x)),
    ("swish", {"beta": -0.6}, (np.float32, np.float64), SILU_ZERO / -0.6,
     lambda x, p: _silu_slope(mpmath.mpf(p["beta"]) * x)),
    ("gelu", {}, (np.float32, np.float64), GELU_ZERO, lambda x, p: mpmath.ncdf(x) + x * mpmath.npdf(x)),
    ("gelu", {"approximate": "tanh"}, (np.float32, np.float64), GELU_TANH_ZERO, lambda x, p: _gelu_tanh_slope(x)),
    ("mish", {}, (np.float32, np.float64), MISH_ZERO, lambda x, p: _mish_slope(x)),
]


def near_zero(zero, dtype, n, seed=0, width=None):
    """The 65 floats nearest ``zero``, zero·(1 ± 2^−k), and n uniform points within ``width``
    (default 0.7·min(1, |zero|)) of it."""
    z = dtype(zero)
    steps = [z]
    below = above = z
    for _ in range(32):
        below, above = np.nextafter(below, dtype(-np.inf)), np.nextafter(above, dtype(np.inf))
        steps += [below, above]
    k = np.arange(8, np.finfo(dtype).nmant + 9, dtype=np.float64)
    relative = np.concatenate([1 + np.exp2(-k), 1 - np.exp2(-k)]) * zero
    width = 0.7 * min(1.0, abs(zero)) if width is None else width
    band = zero + np.random.default_rng(seed).uniform(-width, width, n)
    return np.unique(np.concatenate([np.array(steps, dtype), relative.astype(dtype), band.astype(dtype)]))


def ulp_errors(got, want, dtype):
    """|got − want| in ULP of the dtype at want (want: mpmath values, normal results)."""
    reference = np.array([float(w) for w in want])
    spacing = np.exp2(np.floor(np.log2(np.abs(reference))) - np.finfo(dtype).nmant)
    return np.abs(got.astype(np.float64) - reference) / spacing


def measure(name, params, dtype, zero, reference, backend, n):
    x = near_zero(zero, dtype, n)
    values = {k: v if isinstance(v, str) else float(dtype(v)) for k, v in params.items()}
    want = [reference(mpmath.mpf(float(v)), values) for v in x]
    got = getattr(fastact, name + "_derivative")(x, **params, backend=backend)
    return x, ulp_errors(got, want, dtype)


@pytest.mark.parametrize("case", [(c, d) for c in CASES for d in c[2]],
                         ids=lambda c: f"{c[0][0]}-{c[0][1]}-{np.dtype(c[1]).name}")
@pytest.mark.parametrize("backend", ["numba", "cython"])
def test_derivative_within_4_ulp_at_its_zero(case, backend):
    (name, params, _, zero, reference), dtype = case
    x, err = measure(name, params, dtype, zero, reference, backend, n=400)
    worst = int(np.argmax(err))
    assert err[worst] <= 4, f"{name}′({x[worst]!r}) off by {err[worst]:.2f} ULP"


if __name__ == "__main__":
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 20_000
    for name, params, dtypes, zero, reference in CASES:
        for dtype in dtypes:
            for backend in ("numba", "cython"):
                x, err = measure(name, params, dtype, zero, reference, backend, n)
                worst = int(np.argmax(err))
                print(f"{name}′ {params} {np.dtype(dtype).name} {backend}: max {err[worst]:.2f} ULP "
                      f"at {x[worst]!r} ({x.size} points)")
