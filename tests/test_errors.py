"""Bad input raises a clear error, naming the argument, before any element is written."""

import numpy as np
import pytest

import fastact


@pytest.fixture
def arrays():
    x = np.linspace(-3, 3, 12)
    return x, np.ones_like(x), np.zeros_like(x)


def unchanged(*arrays):
    """Context: assert the arrays hold the same bytes after the block."""
    class Check:
        def __enter__(self):
            self.copies = [a.copy() for a in arrays]

        def __exit__(self, *exc):
            for a, c in zip(arrays, self.copies):
                np.testing.assert_array_equal(a, c)
    return Check()


BAD_CALLS = [
    # (call, exception, message fragment)
    (lambda x, g, o: fastact.relu(x.astype(np.complex128)), TypeError, "x must be a float32 or float64"),
    (lambda x, g, o: fastact.relu(x.astype(np.float16)), TypeError, "got dtype float16"),
    (lambda x, g, o: fastact.relu(np.array(["a"])), TypeError, "x must be"),
    (lambda x, g, o: fastact.relu(x, out=o[:5]), ValueError, "out has shape (5,), expected (12,)"),
    (lambda x, g, o: fastact.relu(x, out=o.astype(np.float32)), TypeError, "out has dtype float32"),
    (lambda x, g, o: fastact.relu(x, out=[0.0] * 12), TypeError, "out must be a NumPy array"),
    (lambda x, g, o: fastact.sigmoid(x, out=np.broadcast_to(o, (12,))), ValueError, "out is read-only"),
    (lambda x, g, o: fastact.tanh(x[:-1], out=x[1:]), ValueError, "out overlaps x"),
    (lambda x, g, o: fastact.tanh_backward(g, x, out=x.view()[::-1]), ValueError, "out overlaps x"),
    (lambda x, g, o: fastact.relu_(x.astype(np.int64)), TypeError, "float32 or float64"),
    (lambda x, g, o: fastact.relu_(list(x)), TypeError, "must be a NumPy array"),
    (lambda x, g, o: fastact.elu_(np.broadcast_to(x, (2, 12))), ValueError, "x is read-only"),
    (lambda x, g, o: fastact.relu(x, backend="tpu"), ValueError, "backend must be one of"),
    (lambda x, g, o: fastact.relu_backward(g, x, y=x), TypeError, "exactly one of x"),
    (lambda x, g, o: fastact.relu_backward(g), TypeError, "exactly one of x"),
    (lambda x, g, o: fastact.relu_backward(g[:5], x), ValueError, "grad has shape (5,) but x has shape (12,)"),
    (lambda x, g, o: fastact.relu_backward(g.astype(np.float32), x), TypeError, "grad has dtype float32"),
    (lambda x, g, o: fastact.leaky_relu_backward(g, y=x, negative_slope=0.0), ValueError, "negative_slope > 0"),
    (lambda x, g, o: fastact.leaky_relu_backward(g, y=x, negative_slope=-1.0), ValueError, "negative_slope > 0"),
    (lambda x, g, o: fastact.elu_backward(g, y=x, alpha=-1.0), ValueError, "alpha >= 0"),
    (lambda x, g, o: fastact.msaf_backward(g, y=x, r=1.0), ValueError, "pass the input x"),
    (lambda x, g, o: fastact.sigmoid(x, slope=np.nan), ValueError, "slope must be finite"),
    (lambda x, g, o: fastact.sigmoid(x, slope="2"), TypeError, "slope must be a real number"),
    (lambda x, g, o: fastact.msaf(x, r=[]), ValueError, "r must not be empty"),
    (lambda x, g, o: fastact.msaf(x, r=[[1.0, 2.0]]), ValueError, "r must be a float or a 1-D sequence"),
    (lambda x, g, o: fastact.sym_msaf(x, r=[1.0, 2.0]), ValueError, "r must be a real number"),
    (lambda x, g, o: fastact.softmax(x, axis=1), np.exceptions.AxisError, "axis 1 is out of bounds"),
    (lambda x, g, o: fastact.softmax(x, axis=0.5), TypeError, "axis must be an integer"),
    (lambda x, g, o: fastact.softmax_backward(g, x[:5]), ValueError, "grad has shape (12,) but y has shape (5,)"),
    (lambda x, g, o: fastact.softmax(x, out=x[::-1]), ValueError, "out overlaps x"),
    (lambda x, g, o: fastact.sigmoid_param_grads(g[:3], x), ValueError, "grad has shape"),
]


@pytest.mark.parametrize("call, error, fragment", BAD_CALLS, ids=[f"{i}-{b[2][:24]}" for i, b in enumerate(BAD_CALLS)])
@pytest.mark.parametrize("backend", [None, "numpy"])
def test_bad_input_raises_and_writes_nothing(arrays, call, error, fragment, backend):
    x, g, o = arrays
    with fastact.use_backend(backend or "auto"), unchanged(x, g, o):
        with pytest.raises(error) as info:
            call(x, g, o)
    assert fragment in str(info.value)


def test_message_names_the_function(arrays):
    x, g, o = arrays
    with pytest.raises(ValueError, match=r"^elu_backward from y: needs alpha >= 0"):
        fastact.elu_backward(g, y=x, alpha=-0.5)
    with pytest.raises(TypeError, match=r"^sigmoid_derivative: x must be"):
        fastact.sigmoid_derivative(x.astype(np.complex64))


def test_interleaved_views_do_not_count_as_overlap():
    base = np.linspace(-2, 2, 20)
    even, odd = base[::2], base[1::2]
    expected = fastact.relu(even.copy())
    fastact.relu(even, out=odd)
    np.testing.assert_array_equal(odd, expected)


def test_unavailable_backend_is_a_clear_error():
    if "cuda" in fastact.backends():
        pytest.skip("a CUDA backend is usable here")
    with pytest.raises(fastact.BackendUnavailableError, match="backend 'cuda' is not available here"):
        fastact.relu(np.ones(3), backend="cuda")
