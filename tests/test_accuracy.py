"""ULP accuracy of every activation, derivative and backward pass over the whole finite
range, subnormals and specials included, on every compiled backend."""

import numpy as np
import pytest

from conftest import CASES, assert_close, case_id, fn

CANCELLING = {"msaf": 8, "sym_msaf": 8}


def sweep(dtype):
    """Both signs of: a dense grid where the functions change, magnitudes spread log-uniformly
    from the smallest subnormal to the largest float, and ±0, ±inf, NaN."""
    info = np.finfo(dtype)
    rng = np.random.default_rng(7)
    dense = np.linspace(-120, 120, 20001)
    lo, hi = np.log2(float(info.smallest_subnormal)), np.log2(float(info.max))
    spread = np.exp2(rng.uniform(lo, hi, 20000)) * rng.choice([-1.0, 1.0], 20000)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, float(info.smallest_subnormal), float(info.max)]
    with np.errstate(over="ignore"):
        x = np.concatenate([dense, spread, specials, np.negative(specials)]).astype(dtype)
    return x


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_and_derivative_within_4_ulp(case, backend, dtype):
    name, params = case
    x = sweep(dtype)
    for suffix in ("", "_derivative"):
        got = fn(name + suffix)(x, **params, backend=backend)
        want = fn(name + suffix)(x, **params, backend="numpy")
        assert_close(got, want, atol_eps=CANCELLING.get(name, 0), err_msg=f"{name}{suffix} {backend}")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_backward_within_8_ulp(case, backend, dtype):
    name, params = case
    x = sweep(dtype)
    g = np.random.default_rng(3).standard_normal(x.size).astype(dtype)
    got = fn(name + "_backward")(g, x, **params, backend=backend)
    want = fn(name + "_backward")(g, x, **params, backend="numpy")
    assert_close(got, want, ulps=8, atol_subnormal=64, atol_eps=CANCELLING.get(name, 0),
                 err_msg=f"{name}_backward {backend}")
