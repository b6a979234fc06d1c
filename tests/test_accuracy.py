"""ULP accuracy of every activation, derivative and backward pass over the whole finite
range, subnormals and specials included, on every compiled backend."""

import numpy as np
import pytest

from conftest import BACKWARD, CANCELLING, CASES, DERIVATIVE_ZEROS, SUBNORMAL_PRODUCTS, assert_close, case_id, fn


def sweep(dtype):
    """Both signs of: a dense grid where the functions change, magnitudes spread log-uniformly
    from the smallest subnormal to the largest float, and ±0, ±inf, NaN."""
    info = np.finfo(dtype)
    rng = np.random.default_rng(7)
    dense = np.linspace(-120, 120, 8001)
    lo, hi = np.log2(float(info.smallest_subnormal)), np.log2(float(info.max))
    spread = np.exp2(rng.uniform(lo, hi, 8000)) * rng.choice([-1.0, 1.0], 8000)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, float(info.smallest_subnormal), float(info.max)]
    with np.errstate(over="ignore"):
        x = np.concatenate([dense, spread, specials, np.negative(specials)]).astype(dtype)
    return x


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_and_derivative_within_4_ulp(case, backend, dtype):
    name, params = case
    x = sweep(dtype)
    zero_slack = DERIVATIVE_ZEROS.get(name, 0) if dtype == np.float64 else 0
    for suffix, extra in (("", 0), ("_derivative", zero_slack)):
        got = fn(name + suffix)(x, **params, backend=backend)
        want = fn(name + suffix)(x, **params, backend="numpy")
        assert_close(got, want, atol_eps=CANCELLING.get(name, 0) + extra, atol_subnormal=SUBNORMAL_PRODUCTS.get(name, 0),
                     err_msg=f"{name}{suffix} {backend}")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_backward_within_8_ulp(case, backend, dtype):
    name, params = case
    x = sweep(dtype)
    g = np.random.default_rng(3).standard_normal(x.size).astype(dtype)
    got = fn(name + "_backward")(g, x, **params, backend=backend)
    want = fn(name + "_backward")(g, x, **params, backend="numpy")
    zero_slack = DERIVATIVE_ZEROS.get(name, 0) * float(np.abs(g).max()) if dtype == np.float64 else 0
    tolerance = dict(BACKWARD, atol_subnormal=max(BACKWARD["atol_subnormal"], SUBNORMAL_PRODUCTS.get(name, 0)))
    assert_close(got, want, **tolerance, atol_eps=CANCELLING.get(name, 0) + zero_slack,
                 err_msg=f"{name}_backward {backend}")


@pytest.mark.parametrize("r", [-6.0, -1.0, -0.1])
def test_sym_msaf_within_4_ulp_around_its_zero(r, backend, dtype):
    """sym_msaf(x, r) = −1 + σ(x) + σ(x + r) crosses 0 at x = −r/2, where σ(x + r) − σ(−x)
    cancels; against mpmath at the 65 floats nearest the zero, zero·(1 ± 2^−k) and 400 points
    within 2 of it (tests/test_derivative_zeros.py's sampling)."""
    mpmath = pytest.importorskip("mpmath")
    from test_derivative_zeros import near_zero

    x = near_zero(-r / 2, dtype, 400, seed=2, width=2.0)
    got = fn("sym_msaf")(x, dtype(r), backend=backend)
    sigma = lambda z: 1 / (1 + mpmath.exp(-z))  # noqa: E731
    with mpmath.workdps(40):  # local: test_derivative_zeros sets its own precision
        rr = mpmath.mpf(float(dtype(r)))
        want = [sigma(mpmath.mpf(float(v)) + rr) - sigma(-mpmath.mpf(float(v))) for v in x]
        for xv, g, w in zip(x, got, want):
            if w == 0:
                assert g == 0, f"sym_msaf({xv!r}) = {g!r}, want 0"
                continue
            spacing = mpmath.mpf(2) ** (mpmath.floor(mpmath.log(abs(w), 2)) - np.finfo(dtype).nmant)
            assert abs(mpmath.mpf(float(g)) - w) <= 4 * spacing, f"sym_msaf({xv!r}, {r}) = {g!r}, want {w}"


@pytest.mark.parametrize("name, beta", [("silu", 1.0), ("swish", 1.7), ("swish", -0.6)])
def test_products_with_a_subnormal_sigmoid_within_2_ulp(name, beta, backend, dtype):
    """x·σ(βx) where σ(βx) is subnormal but the product is not (|βx| a little above the float's
    −ln(smallest normal), |x| magnifying σ): σ·2^S is scaled back after the product, so its
    absolute error does not reach the result (it did for swish: ~590 ULP in float64)."""
    mpmath = pytest.importorskip("mpmath")
    info = np.finfo(dtype)
    low = -np.log(float(info.tiny))  # βx below −low: σ(βx) subnormal
    z = np.random.default_rng(5).uniform(-low - 6, -low, 200)
    x = (z / beta).astype(dtype)
    params = {"beta": dtype(beta)} if name == "swish" else {}
    got = fn(name)(x, **params, backend=backend)
    with mpmath.workdps(40):
        b = mpmath.mpf(float(dtype(beta)))
        for xv, g in zip(x, got):
            w = mpmath.mpf(float(xv)) / (1 + mpmath.exp(-b * mpmath.mpf(float(xv))))
            if abs(w) < info.tiny:
                assert abs(mpmath.mpf(float(g)) - w) <= 2 * float(info.smallest_subnormal), f"{name}({xv!r}) = {g!r}, want {w}"
                continue
            spacing = mpmath.mpf(2) ** (mpmath.floor(mpmath.log(abs(w), 2)) - info.nmant)
            assert abs(mpmath.mpf(float(g)) - w) <= 2 * spacing, f"{name}({xv!r}, beta={beta}) = {g!r}, want {w}"
