"""log_softmax, softmin and PReLU on every compiled backend against the NumPy reference."""

import numpy as np
import pytest

import fastact
from conftest import assert_close

AXIS_FUNCTIONS = ["log_softmax", "softmin"]


def data(dtype, shape, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)


@pytest.mark.parametrize("name", AXIS_FUNCTIONS)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_axis_functions_match_reference(name, axis, backend, dtype):
    x = data(dtype, (5, 7, 3))
    forward, backward = getattr(fastact, name), getattr(fastact, name + "_backward")
    y = forward(x, axis, backend=backend)
    assert_close(y, forward(x, axis, backend="numpy"), ulps=8, atol_eps=4, err_msg=name)
    g = data(dtype, x.shape, seed=1)
    assert_close(backward(g, y, axis, backend=backend), backward(g, y, axis, backend="numpy"),
                 ulps=8, atol_eps=16, err_msg=name + "_backward")
    fortran = np.asfortranarray(x)
    assert_close(forward(fortran, axis, backend=backend), y, ulps=0)
    inplace = x.copy()
    assert getattr(fastact, name + "_")(inplace, axis, backend=backend) is inplace
    assert_close(inplace, y, ulps=0)


@pytest.mark.parametrize("name", ["softmax"] + AXIS_FUNCTIONS)
def test_row_functions_in_place_and_into_their_inputs(name, backend):
    """Forward in place, and backward into ``out`` = the incoming gradient or = y, give the
    values of a separate output (the row loops copy or stage a row where they must)."""
    x, g = data(np.float64, (40, 300)), data(np.float64, (40, 300), seed=1)
    forward, backward = getattr(fastact, name), getattr(fastact, name + "_backward")
    y = forward(x, backend=backend)
    inplace = x.copy()
    assert getattr(fastact, name + "_")(inplace, backend=backend) is inplace
    np.testing.assert_array_equal(inplace, y)
    want = backward(g, y, backend=backend)
    into_g, into_y = g.copy(), y.copy()
    assert backward(into_g, y, out=into_g, backend=backend) is into_g
    assert backward(g, into_y, out=into_y, backend=backend) is into_y
    np.testing.assert_array_equal(into_g, want)
    np.testing.assert_array_equal(into_y, want)


@pytest.mark.parametrize("name", AXIS_FUNCTIONS)
def test_axis_backward_is_the_jacobian_product(name):
    x = data(np.float64, (4, 6))
    g = data(np.float64, (4, 6), seed=2)
    jac = getattr(fastact, name + "_jacobian")(x)
    y = getattr(fastact, name)(x)
    np.testing.assert_allclose(getattr(fastact, name + "_backward")(g, y), np.einsum("ri,rij->rj", g, jac),
                               rtol=1e-12, atol=1e-13)


def test_axis_edge_rows(backend):
    x = np.array([[1.0, np.inf], [1.0, -np.inf], [np.nan, 0.0]])
    ls = fastact.log_softmax(x, backend=backend)
    assert np.isnan(ls[0]).all() and ls[1, 0] == 0 and ls[1, 1] == -np.inf and np.isnan(ls[2]).all()
    sm = fastact.softmin(x, backend=backend)
    assert np.isnan(sm[1]).all() and np.array_equal(sm[0], [1.0, 0.0]) and np.isnan(sm[2]).all()


# --- PReLU -----------------------------------------------------------------------------------


def prelu_cases(dtype):
    x = data(dtype, (4, 3, 5))
    yield "nchw", x, data(dtype, (3,), seed=3), 1
    yield "last-axis", x, data(dtype, (5,), seed=3), -1
    yield "first-axis", x, data(dtype, (4,), seed=3), 0
    yield "single", x, np.array([0.25]), 1
    yield "vector", x[0, 0], np.array([-0.3]), 1
    yield "transposed", x.transpose(2, 1, 0), data(dtype, (3,), seed=3), 1
    yield "strided", x[:, :, ::2], data(dtype, (3,), seed=3), 1


@pytest.mark.parametrize("case", range(7))
def test_prelu_matches_reference(case, backend, dtype):
    label, x, w, axis = list(prelu_cases(dtype))[case]
    g = data(dtype, x.shape, seed=4)
    for function, args in [("prelu", (x, w, axis)), ("prelu_derivative", (x, w, axis))]:
        f = getattr(fastact, function)
        assert_close(f(*args, backend=backend), f(*args, backend="numpy"), ulps=0, err_msg=f"{function} {label}")
    got = fastact.prelu_backward(g, x, weight=w, axis=axis, backend=backend)
    assert_close(got, fastact.prelu_backward(g, x, weight=w, axis=axis, backend="numpy"), ulps=0)
    want = fastact.prelu_param_grads(g, x, w, axis, backend="numpy")["weight"]
    assert_close(fastact.prelu_param_grads(g, x, w, axis, backend=backend)["weight"], want, ulps=1,
                 err_msg=f"prelu_param_grads {label}")
    inplace = np.array(x)
    fastact.prelu_(inplace, w, axis, backend=backend)
    assert_close(inplace, fastact.prelu(x, w, axis, backend="numpy"), ulps=0)


def test_prelu_matches_leaky_relu_and_from_y(backend):
    x = data(np.float64, (6, 4, 3))
    w = np.array([0.1, 0.2, 0.3, 0.4])
    for c in range(4):
        np.testing.assert_array_equal(fastact.prelu(x, w, backend=backend)[:, c],
                                      fastact.leaky_relu(x[:, c], negative_slope=w[c]))
    y = fastact.prelu(x, w, backend=backend)
    g = data(np.float64, x.shape, seed=5)
    np.testing.assert_array_equal(fastact.prelu_backward(g, y=y, weight=w, backend=backend),
                                  fastact.prelu_backward(g, x, weight=w, backend=backend))
    with pytest.raises(ValueError, match="slope > 0"):
        fastact.prelu_backward(g, y=y, weight=-w, backend=backend)
    with pytest.raises(ValueError, match="channels"):
        fastact.prelu(x, np.ones(3), backend=backend)


def test_prelu_kink_and_nan(backend):
    x = np.array([-1.0, -0.0, 0.0, 2.0, np.nan])
    w = np.array([0.25])
    np.testing.assert_array_equal(fastact.prelu_derivative(x, w, backend=backend), [0.25, 0.25, 0.25, 1.0, np.nan])
    grads = fastact.prelu_param_grads(np.ones(5), x, w, backend=backend)["weight"]
    assert grads.shape == (1,) and np.isnan(grads[0])


def test_prelu_weight_grad_is_bit_identical_for_any_thread_count(backend, dtype):
    x = data(dtype, (8, 16, 1000))
    g = data(dtype, x.shape, seed=6)
    w = np.full(16, 0.1, dtype)
    before = fastact.get_num_threads()
    try:
        fastact.set_num_threads(1)
        one = fastact.prelu_param_grads(g, x, w, backend=backend)["weight"]
        fastact.set_num_threads(min(2, fastact._threads.max_threads()))
        two = fastact.prelu_param_grads(g, x, w, backend=backend)["weight"]
    finally:
        fastact.set_num_threads(before)
    assert one.tobytes() == two.tobytes()
    assert_close(one, fastact.prelu_param_grads(g, x, w, backend="numpy")["weight"], ulps=1)
