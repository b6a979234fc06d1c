"""Fused bias + activation, softmax cross-entropy, fastact.nn, fastact.scalar and the digits example."""

import pathlib
import sys

import numpy as np
import pytest

import fastact
from conftest import BACKWARD, CANCELLING, CASES, DERIVATIVE_ZEROS, assert_close, case_id, fn, from_y_ok
from fastact import nn
from fastact._catalog import ELEMENTWISE

SHAPES = [((6, 5), -1), ((6, 5), 0), ((3, 4, 7), 1), ((5,), 0)]


def inputs(dtype, shape, axis, seed=0):
    rng = np.random.default_rng(seed)
    u = (rng.standard_normal(shape) * 3).astype(dtype)
    theta = rng.standard_normal(shape[axis]).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    return u, theta, g


def minus_theta(u, theta, axis):
    shape = [1] * u.ndim
    shape[axis] = theta.size
    return u - theta.reshape(shape)


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("shape, axis", SHAPES, ids=[f"{s}-axis{a}" for s, a in SHAPES])
def test_bias_act_is_the_activation_of_u_minus_theta(case, shape, axis, backend, dtype):
    name, params = case
    u, theta, g = inputs(dtype, shape, axis)
    x = minus_theta(u, theta, axis)
    slack = CANCELLING.get(name, 0)
    zero_slack = DERIVATIVE_ZEROS.get(name, 0) * float(np.abs(g).max()) if dtype == np.float64 else 0
    v = fastact.bias_act(u, theta, name, axis=axis, backend=backend, **params)
    assert_close(v, fn(name)(x, **params, backend="numpy"), atol_eps=slack)
    grads = fastact.bias_act_backward(g, u, theta, name, axis=axis, backend=backend, **params)
    assert_close(grads.du, fn(name + "_backward")(g, x, **params, backend="numpy"), atol_eps=slack + zero_slack,
                 **BACKWARD)
    others = tuple(a for a in range(u.ndim) if a != axis % u.ndim)
    np.testing.assert_allclose(grads.dtheta, -grads.du.sum(axis=others, dtype=np.float64),
                               rtol=10 * np.finfo(dtype).eps, atol=10 * np.finfo(dtype).eps)
    if ELEMENTWISE[name].learnable:
        want = fn(name + "_param_grads")(g, x, **params, backend="numpy")
        for key, value in grads.params.items():
            np.testing.assert_allclose(value, want[key], rtol=1e-4 if dtype == np.float32 else 1e-12,
                                       atol=1e-4 if dtype == np.float32 else 1e-12)
    else:
        assert grads.params == {}
    if from_y_ok(name, params):
        from_y = fastact.bias_act_backward(g, None, theta, name, axis=axis, y=v, backend=backend, **params)
        assert_close(from_y.du, fn(name + "_backward")(g, y=v, **params, backend="numpy"), atol_eps=slack,
                     **BACKWARD)
        assert from_y.params == ({} if not ELEMENTWISE[name].learnable else None)


def test_bias_act_layouts_out_and_positional_params(backend):
    u, theta, _ = inputs(np.float64, (8, 6), -1)
    expected = fastact.leaky_relu(u - theta, negative_slope=0.2)
    for arr in (np.asfortranarray(u), u.T.copy().T, np.repeat(u, 2, axis=0)[::2]):
        np.testing.assert_array_equal(fastact.bias_act(arr, theta, "leaky_relu", 0.2, backend=backend), expected)
    out = np.empty((8, 6), order="F")
    assert fastact.bias_act(u, theta, "leaky_relu", negative_slope=0.2, out=out, backend=backend) is out
    np.testing.assert_array_equal(out, expected)
    same = u.copy()
    fastact.bias_act(same, theta, "leaky_relu", 0.2, out=same, backend=backend)
    np.testing.assert_array_equal(same, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_bias_act_streams_large_outputs(backend, dtype):
    """Past 32 MiB of operands the fused passes write v and dL/du with streaming stores through
    a buffer: the same values as small calls, at two alignments of the output, every element written."""
    rows, features = (40 << 20) // (2 * np.dtype(dtype).itemsize * 100) + 1, 100
    u, theta, g = inputs(dtype, (rows, features), -1)
    piece = 128  # rows per small call: serial loops, ordinary stores

    def in_pieces(function):
        return np.concatenate([function(slice(i, i + piece)) for i in range(0, rows, piece)])

    expected_v = in_pieces(lambda s: fastact.bias_act(u[s], theta, "elu", backend=backend))
    small = [fastact.bias_act_backward(g[s], u[s], theta, "elu", backend=backend)
             for s in (slice(i, i + piece) for i in range(0, rows, piece))]
    expected_du = np.concatenate([grads.du for grads in small])
    for shift in (0, 1):
        out = np.full(u.size + shift, np.nan, dtype)[shift:].reshape(u.shape)  # 4 or 8 bytes off alignment
        fastact.bias_act(u, theta, "elu", out=out, backend=backend)
        np.testing.assert_array_equal(out, expected_v)
    grads = fastact.bias_act_backward(g, u, theta, "elu", backend=backend)
    np.testing.assert_array_equal(grads.du, expected_du)
    np.testing.assert_allclose(grads.dtheta, sum(s.dtheta.astype(np.float64) for s in small), rtol=1e-5)


def test_dtheta_is_deterministic_across_thread_counts(backend):
    u, theta, g = inputs(np.float64, (4000, 50), -1)
    results = []
    previous = fastact.get_num_threads()
    for threads in (1, previous):
        fastact.set_num_threads(threads)
        try:
            results.append(fastact.bias_act_backward(g, u, theta, "elu", backend=backend))
        finally:
            fastact.set_num_threads(previous)
    np.testing.assert_array_equal(results[0].dtheta, results[1].dtheta)
    np.testing.assert_array_equal(results[0].du, results[1].du)
    assert results[0].params["alpha"] == results[1].params["alpha"]


@pytest.mark.parametrize("call, error, fragment", [
    (lambda u, t: fastact.bias_act(u, t[:-1], "relu"), ValueError, "theta has shape (4,), expected (5,)"),
    (lambda u, t: fastact.bias_act(u, t.astype(np.float32), "relu"), TypeError, "theta has dtype float32"),
    (lambda u, t: fastact.bias_act(u, t, "swishy"), ValueError, "activation must be one of"),
    (lambda u, t: fastact.bias_act(u, t, "elu", 1.0, 2.0), TypeError, "takes 1 parameter"),
    (lambda u, t: fastact.bias_act(u, t, "elu", beta=1.0), TypeError, "has no parameter 'beta'"),
    (lambda u, t: fastact.bias_act(u, t, "msaf"), TypeError, "needs parameter(s) ['r']"),
    (lambda u, t: fastact.bias_act(u, t, "relu", axis=2), np.exceptions.AxisError, "out of bounds"),
    (lambda u, t: fastact.bias_act_backward(u, None, t, "relu"), TypeError, "pass u (the input) or y"),
    (lambda u, t: fastact.bias_act_backward(u, u, t, "leaky_relu", -1.0, y=u), ValueError, "negative_slope > 0"),
])
def test_bias_act_errors(call, error, fragment):
    u, theta, _ = inputs(np.float64, (3, 5), -1)
    before = u.copy()
    with pytest.raises(error) as info:
        call(u, theta)
    assert fragment in str(info.value)
    np.testing.assert_array_equal(u, before)


def log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_cross_entropy_and_its_gradient(axis):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((7, 4)) * 3
    classes = rng.integers(0, logits.shape[axis], logits.shape[1 - axis % 2])
    onehot = np.moveaxis(np.eye(logits.shape[axis])[classes], -1, axis)
    expected = -(onehot * log_softmax(logits, axis)).sum(axis=axis)
    for target in (classes, onehot):
        np.testing.assert_allclose(fastact.softmax_cross_entropy(logits, target, axis, reduction="none"), expected)
        np.testing.assert_allclose(fastact.softmax_cross_entropy(logits, target, axis), expected.mean())
        np.testing.assert_allclose(fastact.softmax_cross_entropy(logits, target, axis, reduction="sum"), expected.sum())
    grad = fastact.softmax_cross_entropy_backward(logits, classes, axis)
    h = 1e-6
    for index in np.ndindex(logits.shape):
        step = np.zeros_like(logits)
        step[index] = h
        fd = (fastact.softmax_cross_entropy(logits + step, classes, axis)
              - fastact.softmax_cross_entropy(logits - step, classes, axis)) / (2 * h)
        assert abs(grad[index] - fd) < 1e-8
    np.testing.assert_allclose(fastact.softmax_cross_entropy_backward(logits, onehot, axis, reduction="sum"),
                               fastact.softmax(logits, axis) - onehot, atol=1e-15)
    with pytest.raises(ValueError, match="class indices must lie in"):
        fastact.softmax_cross_entropy(logits, np.full_like(classes, 99), axis)


def numerical_gradients(layers, x, labels, h=1e-6):
    grads = []
    for layer in layers:
        for name, p in layer.parameters().items():
            g = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                old = p[index]
                p[index] = old + h
                plus = fastact.softmax_cross_entropy(nn.forward(layers, x), labels)
                p[index] = old - h
                minus = fastact.softmax_cross_entropy(nn.forward(layers, x), labels)
                p[index] = old
                g[index] = (plus - minus) / (2 * h)
            grads.append(g)
    return grads


def analytic_gradients(layers, x, labels):
    logits = nn.forward(layers, x)
    grad = fastact.softmax_cross_entropy_backward(logits, labels)
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return [layer.grads[name] for layer in layers for name in layer.parameters()]


@pytest.mark.parametrize("activation, params", [("elu", {}), ("sigmoid", {"slope": 2.0}), ("tanh", {}),
                                                ("msaf", {"r": (0.0, -2.0)}), ("leaky_relu", {})])
def test_network_gradients_match_finite_differences(activation, params):
    rng = np.random.default_rng(2)
    layers = [nn.Dense(5, 6, activation, dtype=np.float64, rng=rng, **params),
              nn.Dense(6, 3, None, dtype=np.float64, rng=rng)]
    x, labels = rng.standard_normal((4, 5)), rng.integers(0, 3, 4)
    for got, want in zip(analytic_gradients(layers, x, labels), numerical_gradients(layers, x, labels)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_network_gradients_match_torch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    layers = [nn.Dense(5, 6, "elu", dtype=np.float64, rng=rng), nn.Dense(6, 3, None, dtype=np.float64, rng=rng)]
    x, labels = rng.standard_normal((4, 5)), rng.integers(0, 3, 4)
    ours = analytic_gradients(layers, x, labels)
    W1, t1, W2, t2 = (torch.tensor(a, requires_grad=True) for a in
                      (layers[0].W, layers[0].theta, layers[1].W, layers[1].theta))
    logits = torch.nn.functional.elu(torch.tensor(x) @ W1 - t1) @ W2 - t2
    torch.nn.functional.cross_entropy(logits, torch.tensor(labels)).backward()
    for got, want in zip(ours, (W1.grad, t1.grad, W2.grad, t2.grad)):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-12, atol=1e-14)


def test_short_training_run_lowers_the_loss():
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "examples"))
    try:
        import train_digits
    finally:
        sys.path.pop(0)
    result = train_digits.train(epochs=3, quiet=True)
    assert result["losses"][-1] < 0.5 * result["losses"][0]
    assert result["accuracy"] > 0.85


def test_scalar_functions_inside_user_numba_code():
    import numba

    from fastact import scalar

    @numba.njit
    def apply(x, out, grad):
        for i in range(x.size):
            out[i, 0] = scalar.elu(x[i], 0.5)
            out[i, 1] = scalar.sigmoid_derivative(x[i], 2.0)
            out[i, 2] = scalar.msaf(x[i], (0.0, -4.0), 1.0)
            out[i, 3] = scalar.relu_backward(grad[i], x[i])

    x = np.linspace(-3, 3, 13)
    g = np.random.default_rng(4).standard_normal(13)
    out = np.empty((13, 4))
    apply(x, out, g)
    np.testing.assert_allclose(out[:, 0], fastact.elu(x, alpha=0.5), rtol=1e-15)
    np.testing.assert_allclose(out[:, 1], fastact.sigmoid_derivative(x, slope=2.0), rtol=1e-15)
    np.testing.assert_allclose(out[:, 2], fastact.msaf(x, r=(0.0, -4.0), offset=1.0), rtol=1e-15)
    np.testing.assert_array_equal(out[:, 3], fastact.relu_backward(g, x))
    x32 = x.astype(np.float32)
    out32 = np.empty((13, 4), np.float32)
    apply(x32, out32, g.astype(np.float32))
    assert apply.nopython_signatures[-1].args[0].dtype == numba.float32
