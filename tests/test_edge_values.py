"""The hard points of REFERENCE.md: ±0, ±inf, NaN, subnormals, |x| near the float maximum."""

import numpy as np
import pytest

import fastact
from conftest import CANCELLING, CASES, DERIVATIVE_ZEROS, SUBNORMAL_PRODUCTS, assert_close, case_id, fn, from_y_ok


def edge_values(dtype):
    info = np.finfo(dtype)
    tiny, sub, big = info.tiny, info.smallest_subnormal, info.max
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, sub, -sub, 3 * sub, tiny, -tiny, tiny / 3,
              big, -big, big / 2, -big / 2, 1.0, -1.0, 1e-30, -1e-30, 88.0, -88.0, 89.5, -104.0,
              709.0, -709.0, 710.0, -745.0, 20.0, -20.0, 1e-8, -1e-8]
    with np.errstate(over="ignore"):
        return np.array(values, dtype=np.float64).astype(dtype)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_edge_values_match_reference(case, backend, dtype):
    name, params = case
    x = edge_values(dtype)
    g = np.ones_like(x)
    slack = CANCELLING.get(name, 0)
    subnormal = SUBNORMAL_PRODUCTS.get(name, 4)
    zero_slack = DERIVATIVE_ZEROS.get(name, 0) if dtype == np.float64 else 0
    for suffix, args, extra in [("", (x,), 0), ("_derivative", (x,), zero_slack), ("_backward", (g, x), zero_slack)]:
        got = fn(name + suffix)(*args, **params, backend=backend)
        want = fn(name + suffix)(*args, **params, backend="numpy")
        assert_close(got, want, atol_eps=slack + extra, atol_subnormal=subnormal, err_msg=f"{name}{suffix}")
    if from_y_ok(name, params):
        y = fn(name)(x, **params, backend="numpy")
        got = fn(name + "_backward")(g, y=y, **params, backend=backend)
        want = fn(name + "_backward")(g, y=y, **params, backend="numpy")
        assert_close(got, want, atol_eps=slack, atol_subnormal=subnormal, err_msg=f"{name}_backward(y=)")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_nan_in_nan_out(case, backend, dtype):
    name, params = case
    x = np.array([np.nan, 1.0, np.nan], dtype)
    for suffix, args in [("", (x,)), ("_derivative", (x,)), ("_backward", (np.ones_like(x), x))]:
        out = fn(name + suffix)(*args, **params, backend=backend)
        assert np.isnan(out[[0, 2]]).all() and not np.isnan(out[1]), f"{name}{suffix}: {out}"


LIMITS = [  # (function, params, x, expected)
    ("sigmoid", {}, [-np.inf, np.inf, 0.0], [0.0, 1.0, 0.5]),
    ("sigmoid_derivative", {}, [-np.inf, np.inf, 0.0], [0.0, 0.0, 0.25]),
    ("sigmoid", {"slope": 2.0}, ["max", "-max"], [1.0, 0.0]),
    ("tanh", {}, [-np.inf, np.inf, "-0", "sub"], [-1.0, 1.0, "-0", "sub"]),
    ("tanh_derivative", {}, [-np.inf, np.inf, "max"], [0.0, 0.0, 0.0]),
    ("relu", {}, [-np.inf, np.inf, "-0", "sub", "-sub"], [0.0, np.inf, "-0", "sub", 0.0]),
    ("relu_derivative", {}, [0.0, "-0", "sub"], [0.0, 0.0, 1.0]),
    ("leaky_relu", {"negative_slope": 0.5}, [-np.inf, "-0", "-max"], [-np.inf, "-0", "-max/2"]),
    ("leaky_relu_derivative", {"negative_slope": 0.5}, [0.0, "sub"], [0.5, 1.0]),
    ("elu", {"alpha": 2.0}, [-np.inf, "-0", "-max", np.inf], [-2.0, "-0", -2.0, np.inf]),
    ("elu_derivative", {"alpha": 2.0}, [0.0, -np.inf], [2.0, 0.0]),
    ("msaf", {"r": (0.0, -4.0), "offset": 1.0}, [-np.inf, np.inf], [1.0, 3.0]),
    ("sym_msaf", {"r": -4.0}, [-np.inf, np.inf, "-max", "max"], [-1.0, 1.0, -1.0, 1.0]),
]


def _value(token, dtype):
    info = np.finfo(dtype)
    table = {"max": info.max, "-max": -info.max, "-max/2": -info.max / 2, "-0": -0.0,
             "sub": info.smallest_subnormal, "-sub": -info.smallest_subnormal}
    return dtype(table[token]) if isinstance(token, str) else dtype(token)


@pytest.mark.parametrize("function, params, xs, expected", LIMITS, ids=[row[0] for row in LIMITS])
def test_limits_and_signed_zeros_exactly(function, params, xs, expected, backend, dtype):
    x = np.array([_value(v, dtype) for v in xs], dtype)
    want = np.array([_value(v, dtype) for v in expected], dtype)
    got = getattr(fastact, function)(x, **params, backend=backend)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_relu_backward_blocks_inf_grad_below_zero(backend, dtype):
    x = np.array([-1.0, 0.0, 2.0, np.nan], dtype)
    g = np.array([np.inf, np.nan, np.inf, 1.0], dtype)
    got = fastact.relu_backward(g, x, backend=backend)
    np.testing.assert_array_equal(got, np.array([0.0, 0.0, np.inf, np.nan], dtype))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_empty_and_zero_d(case, backend, dtype):
    name, params = case
    empty = np.empty((0, 4), dtype)
    for suffix, args in [("", (empty,)), ("_derivative", (empty,)), ("_backward", (empty, empty))]:
        out = fn(name + suffix)(*args, **params, backend=backend)
        assert out.shape == (0, 4) and out.dtype == dtype
    assert fn(name + "_")(empty, **params, backend=backend) is empty
    scalar = np.array(0.75, dtype)
    got = fn(name)(scalar, **params, backend=backend)
    assert got.shape == () and got.dtype == dtype
    assert_close(got, fn(name)(scalar, **params, backend="numpy"))
