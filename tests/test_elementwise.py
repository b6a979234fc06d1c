"""Every element-wise activation, on every compiled backend and dtype, against the NumPy reference."""

import numpy as np
import pytest

import fastact
from conftest import BACKWARD, CANCELLING, CASES, DERIVATIVE_ZEROS, DTYPES, assert_close, case_id, fn, from_y_ok


def random_input(dtype, shape=(257,), seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 4
    x.reshape(-1)[::7] *= 10  # some saturated values
    return x.astype(dtype)


def layouts(x):
    """The same values as C, Fortran, strided, transposed and reversed arrays."""
    square = x[:240].reshape(12, 20)
    yield "c", square
    yield "fortran", np.asfortranarray(square)
    yield "strided", np.ascontiguousarray(np.repeat(square, 2, axis=1))[:, ::2]
    yield "transposed", square.T
    yield "reversed", x[::-1]
    yield "0-d", x[0].reshape(())
    yield "empty", x[:0].reshape(0, 3)


def call_both(name, args, params, backend, **kw):
    return fn(name)(*args, **params, backend=backend, **kw), fn(name)(*args, **params, backend="numpy", **kw)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_derivative_backward_match_reference(case, backend, dtype):
    name, params = case
    slack = CANCELLING.get(name, 0)
    for layout, x in layouts(random_input(dtype)):
        g = (random_input(dtype, seed=1)[: x.size].reshape(x.shape) if x.size else x.copy())
        zero_slack = DERIVATIVE_ZEROS.get(name, 0) if dtype == np.float64 else 0
        for suffix, args, extra in [("", (x,), 0), ("_derivative", (x,), zero_slack)]:
            got, want = call_both(name + suffix, args, params, backend)
            assert_close(got, want, atol_eps=slack + extra, err_msg=f"{name}{suffix} {layout}")
        got, want = call_both(name + "_backward", (g, x), params, backend)
        extra = zero_slack * float(np.abs(g).max(initial=0))
        assert_close(got, want, atol_eps=slack + extra, **BACKWARD, err_msg=f"{name}_backward {layout}")
        if from_y_ok(name, params):
            y = fn(name)(x, **params, backend="numpy")
            got, want = call_both(name + "_backward", (g,), params, backend, y=y)
            assert_close(got, want, atol_eps=slack, **BACKWARD, err_msg=f"{name}_backward(y=) {layout}")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_inplace_and_out(case, backend, dtype):
    name, params = case
    x = random_input(dtype)
    want = fn(name)(x, **params, backend="numpy")
    # in place on a strided view changes exactly the viewed elements of the caller's array
    base = np.repeat(x, 2)
    view = base[::2]
    untouched = base[1::2].copy()
    assert fn(name + "_")(view, **params, backend=backend) is view
    assert_close(view, want, atol_eps=CANCELLING.get(name, 0), err_msg=f"{name}_ strided")
    np.testing.assert_array_equal(base[1::2], untouched)
    # out= into a Fortran array, and out= the input itself
    out = np.empty((12, 20), dtype, order="F")
    res = fn(name)(x[:240].reshape(12, 20), **params, out=out, backend=backend)
    assert res is out
    assert_close(out, want[:240].reshape(12, 20), atol_eps=CANCELLING.get(name, 0))
    same = x.copy()
    assert fn(name)(same, **params, out=same, backend=backend) is same
    assert_close(same, want, atol_eps=CANCELLING.get(name, 0))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_backward_from_x_and_from_y_agree(case, backend, dtype):
    name, params = case
    if not from_y_ok(name, params):
        pytest.skip(f"{name} with {params} has no backward from y")
    x = np.linspace(-4, 4, 1001).astype(dtype)
    g = random_input(dtype, shape=x.shape)
    y = fn(name)(x, **params, backend=backend)
    from_x = fn(name + "_backward")(g, x, **params, backend=backend)
    from_y = fn(name + "_backward")(g, y=y, **params, backend=backend)
    # y(1 - y) and 1 - y² lose the precision of y near saturation: a relative tolerance
    rtol = 2e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(from_y, from_x, rtol=rtol, atol=rtol * np.abs(g).max())


def test_integer_and_bool_inputs_compute_in_float64(backend):
    for x in ([-2, 0, 3], np.array([True, False]), np.arange(-3, 3, dtype=np.int8), 1.5):
        got = fastact.elu(x, backend=backend)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, fastact.elu(np.asarray(x, dtype=np.float64), backend="numpy"))


def test_byteswapped_input(backend):
    x = np.linspace(-3, 3, 50).astype(">f4")
    assert_close(fastact.sigmoid(x, backend=backend), fastact.sigmoid(x.astype(np.float32), backend="numpy"))


def test_outputs_keep_dtype_and_do_not_modify_input(backend, dtype):
    x = random_input(dtype)
    before = x.copy()
    for name, params in CASES:
        for suffix in ("", "_derivative"):
            assert fn(name + suffix)(x, **params, backend=backend).dtype == dtype
        assert fn(name + "_backward")(x, x, **params, backend=backend).dtype == dtype
    np.testing.assert_array_equal(x, before)


def _in_pieces(function, backend, *arrays, piece=1 << 14):
    """``function`` of 1-D ``arrays`` by calls on pieces of ``piece`` elements (small calls:
    serial loops, ordinary stores), concatenated."""
    return np.concatenate([function(*(a[i:i + piece] for a in arrays), backend=backend)
                           for i in range(0, arrays[0].size, piece)])


@pytest.mark.parametrize("backend_name", ["numba", "cython"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_streaming_stores_for_outputs_larger_than_the_cache(backend_name, dtype):
    """Past 32 MiB of operands the CPU loops write ``out`` with streaming stores, through a
    buffer: the same values as small calls, at two alignments of ``out``, every element written."""
    if backend_name not in fastact.backends():
        pytest.skip(f"{backend_name} is not usable here")
    n = (40 << 20) // (2 * np.dtype(dtype).itemsize) + 3
    x = np.random.default_rng(0).normal(0, 3, n).astype(dtype)
    g = x[::-1].copy()
    for shift in (0, 1):
        out = np.full(n + shift, np.nan, dtype)[shift:]  # also 4 or 8 bytes off 16-byte alignment
        fastact.sigmoid(x, out=out, backend=backend_name)
        np.testing.assert_array_equal(out, _in_pieces(fastact.sigmoid, backend_name, x))
        out[:] = np.nan
        fastact.elu_backward(g, x, out=out, backend=backend_name)
        np.testing.assert_array_equal(out, _in_pieces(fastact.elu_backward, backend_name, g, x))


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_cheap_activations_on_numbas_parallel_loops(name):
    """relu and its kind switch to numba's parallel loops at a larger size than the others
    (``_threads.CHEAP_PARALLEL_MIN_SIZE``): in place (the buffered loop) and out of place there,
    the same values as small calls (serial loops), specials included."""
    if "numba" not in fastact.backends():
        pytest.skip("numba is not usable here")
    from fastact import _threads

    x = np.random.default_rng(3).normal(0, 3, _threads.CHEAP_PARALLEL_MIN_SIZE + 1001)
    x[::997] = np.resize([np.nan, -0.0, 0.0, np.inf, -np.inf], x[::997].size)
    want = _in_pieces(fn(name), "numba", x)
    np.testing.assert_array_equal(fn(name)(x, backend="numba"), want)
    y = x.copy()
    fn(name + "_")(y, backend="numba")
    np.testing.assert_array_equal(y, want)
    np.testing.assert_array_equal(fn(name + "_backward")(x, x, backend="numba"),
                                  _in_pieces(fn(name + "_backward"), "numba", x, x))
