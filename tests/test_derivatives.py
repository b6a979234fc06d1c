"""Derivatives and parameter gradients against central finite differences, and edge values."""

import numpy as np
import pytest

import fastact
from conftest import CASES, DERIVATIVE_ZEROS, assert_close, case_id, fn
from fastact._catalog import ELEMENTWISE


def smooth_points(name, params, n=400):
    """float64 points in [−6, 6] away from kinks: where f′ barely changes across ±1e−4."""
    x = np.random.default_rng(7).uniform(-6, 6, n)
    d = fn(name + "_derivative")
    near = np.abs(d(x + 1e-4, **params) - d(x - 1e-4, **params))
    return x[near < 1e-2]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_derivative_is_the_finite_difference(case):
    name, params = case
    x = smooth_points(name, params)
    h = 1e-6
    numeric = (fn(name)(x + h, **params) - fn(name)(x - h, **params)) / (2 * h)
    np.testing.assert_allclose(fn(name + "_derivative")(x, **params), numeric, rtol=1e-6, atol=1e-8)


LEARNABLE = [(name, params) for name, params in CASES if ELEMENTWISE[name].learnable]


@pytest.mark.parametrize("case", LEARNABLE, ids=case_id)
def test_param_grads_are_the_finite_difference(case):
    name, params = case
    spec = ELEMENTWISE[name]
    values = {p.name: params.get(p.name, p.default) for p in spec.params}
    x = smooth_points(name, params)
    g = np.random.default_rng(8).standard_normal(x.size)
    grads = fn(name + "_param_grads")(g, x, **values)
    h = 1e-6

    def loss(**changed):
        return float(np.sum(g * fn(name)(x, **{**values, **changed})))

    for p in spec.learnable:
        value = values[p]
        if isinstance(value, (tuple, list)):
            for k in range(len(value)):
                up, down = list(value), list(value)
                up[k] += h
                down[k] -= h
                numeric = (loss(**{p: up}) - loss(**{p: down})) / (2 * h)
                np.testing.assert_allclose(grads[p][k], numeric, rtol=1e-6, atol=1e-7, err_msg=f"{p}[{k}]")
        else:
            numeric = (loss(**{p: value + h}) - loss(**{p: value - h})) / (2 * h)
            np.testing.assert_allclose(grads[p], numeric, rtol=1e-6, atol=1e-7, err_msg=p)


def edge_values(dtype):
    info = np.finfo(dtype)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, info.smallest_subnormal, -info.smallest_subnormal,
               info.tiny, -info.tiny, info.max, -info.max, 1.0, -1.0, 3.0, -3.0, 6.0, 20.0, 0.5, -2.0]
    with np.errstate(over="ignore"):
        logs = np.minimum(np.geomspace(float(info.smallest_subnormal), float(info.max), 300), info.max)
    return np.concatenate([special, logs, -logs]).astype(dtype)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_edge_values_match_reference(case, backend, dtype):
    """Whole finite range including subnormals, ±0, ±inf, NaN and the kinks."""
    name, params = case
    x = edge_values(dtype)
    g = np.ones_like(x)
    for suffix, args in [("", (x,)), ("_derivative", (x,)), ("_backward", (g, x))]:
        got = fn(name + suffix)(*args, **params, backend=backend)
        want = fn(name + suffix)(*args, **params, backend="numpy")
        slack = 8 if name in ("msaf", "sym_msaf") else 0
        zeros = DERIVATIVE_ZEROS.get(name, 0) if suffix and dtype == np.float64 else 0
        assert_close(got, want, atol_eps=slack + zeros, atol_subnormal=2, err_msg=f"{name}{suffix}")
    nan = fn(name)(np.array([np.nan], dtype), **params, backend=backend)
    assert np.isnan(nan).all() and np.isnan(fn(name + "_derivative")(np.array([np.nan], dtype), **params)).all()


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "softsign", "hardswish", "swish"])
def test_infinite_inputs_give_the_limits(name):
    x = np.array([-np.inf, np.inf])
    forward = {"softsign": [-1.0, 1.0]}.get(name, [0.0, np.inf])
    np.testing.assert_array_equal(fn(name)(x), forward)
    derivative = fn(name + "_derivative")(x)
    assert not np.isnan(derivative).any()


def test_saturation_values():
    assert fastact.softplus(np.array([89.0]))[0] == 89.0
    assert fastact.log_sigmoid(np.array([-800.0]))[0] == -800.0
    np.testing.assert_array_equal(fastact.gelu(np.array([-40.0, 40.0])), [-0.0, 40.0])
