"""softmax, softmax_, softmax_backward and softmax_jacobian along every axis."""

import numpy as np
import pytest

import fastact
from conftest import assert_close


def data(dtype, shape=(3, 4, 5), seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 5).astype(dtype)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_softmax_every_axis_of_3d(backend, dtype, axis):
    x = data(dtype)
    got = fastact.softmax(x, axis=axis, backend=backend)
    assert_close(got, fastact.softmax(x, axis=axis, backend="numpy"), ulps=4)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=10 * np.finfo(dtype).eps)
    g = data(dtype, seed=1)
    got_b = fastact.softmax_backward(g, got, axis=axis, backend=backend)
    want_b = fastact.softmax_backward(g, got, axis=axis, backend="numpy")
    assert_close(got_b, want_b, ulps=8, atol_eps=8)


@pytest.mark.parametrize("layout", ["fortran", "strided", "transposed"])
def test_softmax_layouts_and_inplace(backend, dtype, layout):
    base = data(dtype, (6, 10))
    x = {"fortran": np.asfortranarray(base), "strided": base[::2, ::3], "transposed": base.T}[layout]
    want = fastact.softmax(x.copy(), axis=0, backend="numpy")
    parent = x.base if x.base is not None else x
    before = parent.copy()
    assert fastact.softmax_(x, axis=0, backend=backend) is x
    assert_close(x, want)
    changed = parent != before
    assert changed.sum() <= x.size  # nothing outside the view was written


def test_softmax_rows_with_inf_and_nan_follow_pytorch(backend, dtype):
    x = np.array([[np.inf, 1.0, 2.0],
                  [-np.inf, -np.inf, -np.inf],
                  [np.nan, 0.0, 0.0],
                  [-np.inf, 0.0, 0.0],
                  [1000.0, 0.0, -1000.0]], dtype)
    got = fastact.softmax(x, backend=backend)
    assert np.isnan(got[:3]).all()
    np.testing.assert_array_equal(got[3], np.array([0.0, 0.5, 0.5], dtype))
    np.testing.assert_array_equal(got[4], np.array([1.0, 0.0, 0.0], dtype))


def test_softmax_long_and_short_rows(backend, dtype):
    for shape in [(1000, 10), (3, 100_000), (2, 1)]:
        x = data(dtype, shape)
        assert_close(fastact.softmax(x, backend=backend), fastact.softmax(x, backend="numpy"), ulps=4)


def test_softmax_empty_and_zero_d(backend, dtype):
    assert fastact.softmax(np.empty((0, 3), dtype), backend=backend).shape == (0, 3)
    assert fastact.softmax(np.empty((3, 0), dtype), backend=backend).shape == (3, 0)
    got = fastact.softmax(np.array(2.5, dtype), backend=backend)
    assert got.shape == () and got == 1.0


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_jacobian_matches_backward_and_finite_differences(axis):
    x = data(np.float64, (3, 4))
    jac = fastact.softmax_jacobian(x, axis=axis)
    n = x.shape[axis]
    assert jac.shape == x.shape + (n,)
    g = data(np.float64, (3, 4), seed=2)
    y = fastact.softmax(x, axis=axis)
    # dL/dx_j = Σ_i g_i J[i, j] along the axis
    vjp = np.moveaxis(np.einsum("...i,...ij->...j", np.moveaxis(g, axis, -1), np.moveaxis(jac, axis, -2)), -1, axis)
    np.testing.assert_allclose(vjp, fastact.softmax_backward(g, y, axis=axis), rtol=1e-12, atol=1e-15)
    h = 1e-6
    for j in range(n):
        step = np.zeros_like(x)
        np.moveaxis(step, axis, -1)[..., j] = h
        fd = (fastact.softmax(x + step, axis=axis) - fastact.softmax(x - step, axis=axis)) / (2 * h)
        np.testing.assert_allclose(jac[..., j], fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("shape, axis", [((5, 7, 300), 1), ((6, 40), 0), ((9, 2, 33), 0)])
def test_softmax_column_loops_for_a_non_last_axis(backend, dtype, shape, axis):
    """Enough trailing elements for the column-wise loops, several column chunks, NaN/inf."""
    x = data(dtype, shape)
    x[(0,) * len(shape)] = np.nan
    x[(1,) * len(shape)] = np.inf
    got = fastact.softmax(x, axis=axis, backend=backend)
    assert_close(got, fastact.softmax(x, axis=axis, backend="numpy"), ulps=4)
    g = data(dtype, shape, seed=1)
    y = fastact.softmax(data(dtype, shape), axis=axis, backend="numpy")
    assert_close(fastact.softmax_backward(g, y, axis=axis, backend=backend),
                 fastact.softmax_backward(g, y, axis=axis, backend="numpy"), ulps=8, atol_eps=8)
    inplace = x.copy()
    fastact.softmax_(inplace, axis=axis, backend=backend)
    assert_close(inplace, got, ulps=0)
