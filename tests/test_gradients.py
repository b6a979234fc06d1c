"""Derivatives and parameter gradients against central finite differences (float64)."""

import numpy as np
import pytest

import fastact
from conftest import CASES, PARAMS, case_id, fn
from fastact._catalog import ELEMENTWISE

def smooth_points(name, params, backend, h=1e-6):
    """Points of [−6, 6] away from the activation's kinks and jumps (softplus's threshold):
    where f or f′ jumps within ±4h, a finite difference measures the jump, not the derivative."""
    x = np.linspace(-6, 6, 241)
    f, derivative = fn(name), fn(name + "_derivative")
    jump = np.abs(derivative(x - 4 * h, **params, backend=backend) - derivative(x + 4 * h, **params, backend=backend))
    step = np.abs(f(x + 4 * h, **params, backend=backend) - f(x - 4 * h, **params, backend=backend))
    smooth = (jump < 1e-4) & (step < 8 * h * (1 + np.abs(derivative(x, **params, backend=backend))))
    assert smooth.mean() > 0.9, "fewer than 90% of the points are smooth"
    return x[smooth]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_derivative_matches_finite_differences(case, backend):
    name, params = case
    x = smooth_points(name, params, backend)
    h = 1e-6
    fd = (fn(name)(x + h, **params, backend=backend) - fn(name)(x - h, **params, backend=backend)) / (2 * h)
    np.testing.assert_allclose(fn(name + "_derivative")(x, **params, backend=backend), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_backward_is_grad_times_derivative(case, backend):
    name, params = case
    x = smooth_points(name, params, backend)
    g = np.random.default_rng(3).standard_normal(x.shape)
    got = fn(name + "_backward")(g, x, **params, backend=backend)
    np.testing.assert_allclose(got, g * fn(name + "_derivative")(x, **params, backend=backend), rtol=4e-16)


LEARNABLE = [(n, p) for n, p in CASES if ELEMENTWISE[n].learnable]


@pytest.mark.parametrize("case", LEARNABLE, ids=case_id)
def test_param_grads_match_finite_differences(case, backend):
    name, params = case
    spec = ELEMENTWISE[name]
    full = {p.name: params.get(p.name, p.default) for p in spec.params}
    x = smooth_points(name, params, backend)
    g = np.random.default_rng(4).standard_normal(x.shape)
    grads = fn(name + "_param_grads")(g, x, **params, backend=backend)
    assert set(grads) == set(spec.learnable)
    h = 1e-6
    for pname in spec.learnable:
        value = np.atleast_1d(np.asarray(full[pname], dtype=np.float64))
        expected = []
        for k in range(value.size):
            plus, minus = value.copy(), value.copy()
            plus[k] += h
            minus[k] -= h
            shaped = (lambda v: v if np.ndim(full[pname]) else float(v[0]))
            f_plus = fn(name)(x, **{**full, pname: shaped(plus)}, backend=backend)
            f_minus = fn(name)(x, **{**full, pname: shaped(minus)}, backend=backend)
            expected.append(np.sum(g * (f_plus - f_minus)) / (2 * h))
        got = np.atleast_1d(grads[pname])
        assert np.shape(grads[pname]) == np.shape(full[pname])
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7, err_msg=pname)


@pytest.mark.parametrize("case", LEARNABLE, ids=case_id)
def test_param_grads_match_reference(case, backend, dtype):
    name, params = case
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(50_000) * 3).astype(dtype)
    g = rng.standard_normal(50_000).astype(dtype)
    got = fn(name + "_param_grads")(g, x, **params, backend=backend)
    want = fn(name + "_param_grads")(g, x, **params, backend="numpy")
    for pname in got:
        assert np.asarray(got[pname]).dtype == dtype
        np.testing.assert_allclose(got[pname], want[pname], rtol=8 * np.finfo(dtype).eps,
                                   atol=np.sqrt(x.size) * np.finfo(dtype).eps)


def test_param_grads_are_deterministic_across_thread_counts(backend):
    x = np.random.default_rng(6).standard_normal(300_000)
    g = np.random.default_rng(7).standard_normal(300_000)
    results = []
    for threads in (1, fastact.get_num_threads()):
        previous = fastact.get_num_threads()
        fastact.set_num_threads(threads)
        try:
            results.append(fastact.msaf_param_grads(g, x, r=(0.0, -2.0), backend=backend))
        finally:
            fastact.set_num_threads(previous)
    np.testing.assert_array_equal(results[0]["r"], results[1]["r"])
    assert results[0]["offset"] == results[1]["offset"]


def test_every_activation_has_test_params():
    assert set(PARAMS) == set(ELEMENTWISE)
