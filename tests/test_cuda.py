"""The CUDA backend against the NumPy reference: NumPy arrays (copied to the GPU and back) and
GPU arrays (used in place), every activation and operation, softmax along every axis.

Without a GPU these run on numba's CUDA simulator (tests/conftest.py turns it on), on small
arrays with launch limits that force several blocks per grid and every softmax kernel; on a
GPU the same tests run on the device.
"""

import math

import numpy as np
import pytest

import fastact
from conftest import (BACKWARD, CANCELLING, CASES, DERIVATIVE_ZEROS, PARAMS, SUBNORMAL_PRODUCTS, assert_close,
                      case_id, fn, from_y_ok)
from fastact import _dispatch, _reference
from fastact._catalog import ELEMENTWISE
from test_elementwise import random_input

if "cuda" not in fastact.backends():
    pytest.skip("no usable CUDA GPU (and the simulator is off)", allow_module_level=True)

from numba import cuda  # noqa: E402

from fastact import _cuda_arrays, _cuda_backend  # noqa: E402
from fastact._kernels import cuda_feature_loops as feature_loops  # noqa: E402
from fastact._kernels.cuda_loops import SIMULATED  # noqa: E402

#: On a GPU, numba-cuda warns of grids under 128 blocks: the tests make them small on purpose.
pytestmark = [pytest.mark.filterwarnings("ignore:.*Grid size .* under-utilization:Warning")]
if SIMULATED:
    # The simulator computes with NumPy scalars, which warn where the GPU silently gives
    # inf or NaN (inf − inf, overflow): the values are still checked against the reference.
    pytestmark += [pytest.mark.filterwarnings(f"ignore:{w}:RuntimeWarning") for w in
                   ("overflow encountered", "invalid value encountered", "divide by zero encountered")]

#: The formulas are the CPU kernels' own (checked by the CPU tests); on the simulator, which runs
#: every GPU thread in Python, a subset of activations that covers every shape of formula (plain,
#: learnable parameters, vector parameters, from y, piecewise, float64-internal, series) checks the
#: kernels' mechanics; on a real GPU, every activation.
SIMULATED_SUBSET = {"sigmoid", "tanh", "msaf", "sym_msaf", "relu", "leaky_relu", "elu", "gelu", "softplus",
                    "hardswish", "threshold", "celu", "mish"}
KERNEL_CASES = [case for case in CASES if not SIMULATED or case[0] in SIMULATED_SUBSET]

#: Elements of the element-wise test arrays: > 3 · 32 · 3, so the 4-per-step loop runs too.
N = 300
#: Softmax row lengths, with max_k = 2, max_group = 64 and 512 bytes of row cache (below): one
#: warp per row (cached; float64 backward: read twice), two warps per row (float32 cached,
#: float64 read twice), two warps per row read twice.
ROW_LENGTHS = [1, 64, 100, 200]


@pytest.fixture(autouse=True)
def small_launches():
    """Several blocks per grid, and small softmax limits so that short rows reach every kernel."""
    with _cuda_backend.launch_limits(threads=32, blocks=3, max_k=2, max_group=64, row_cache_bytes=512):
        yield


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param


def to_host(a):
    return a.copy_to_host()


class Foreign:
    """A GPU array known only by its ``__cuda_array_interface__``, as CuPy or PyTorch export it."""

    def __init__(self, device_array, readonly=False):
        self.base = device_array
        if hasattr(device_array, "__cuda_array_interface__"):
            desc = dict(device_array.__cuda_array_interface__)
        else:  # the simulator's device arrays live in host memory
            desc = dict(device_array._ary.__array_interface__, stream=None)
        desc["data"] = (desc["data"][0], readonly)
        self.__cuda_array_interface__ = desc


# --- element-wise -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", KERNEL_CASES, ids=case_id)
def test_elementwise_matches_reference(case, dtype):
    name, params = case
    slack = CANCELLING.get(name, 0) + (DERIVATIVE_ZEROS.get(name, 0) * 8 if dtype == np.float64 else 0)
    x = random_input(dtype, shape=(N,))
    g = random_input(dtype, shape=(N,), seed=1)
    y = fn(name)(x, **params, backend="numpy")
    subnormal = {"atol_subnormal": SUBNORMAL_PRODUCTS.get(name, 0)}
    calls = [("", (x,), subnormal), ("_derivative", (x,), subnormal), ("_backward", (g, x), BACKWARD)]
    if from_y_ok(name, params):
        calls.append(("_backward", (g,), dict(BACKWARD, y=y)))
    for suffix, args, kw in calls:
        tolerance = {k: v for k, v in kw.items() if k != "y"}
        y_kw = {"y": kw["y"]} if "y" in kw else {}
        want = fn(name + suffix)(*args, **params, **y_kw, backend="numpy")
        got = fn(name + suffix)(*args, **params, **y_kw, backend="cuda")
        assert_close(got, want, atol_eps=slack, **tolerance, err_msg=f"{name}{suffix} host")
        device_args = [cuda.to_device(a) for a in args]
        device_y = {"y": cuda.to_device(y)} if y_kw else {}
        got = fn(name + suffix)(*device_args, **params, **device_y)
        assert_close(to_host(got), want, atol_eps=slack, **tolerance, err_msg=f"{name}{suffix} device")


@pytest.mark.parametrize("name", sorted({name for name, _ in KERNEL_CASES}))
def test_special_values(name, dtype):
    params = dict(CASES)[name] if name in dict(CASES) else {}
    info = np.finfo(dtype)
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, info.tiny, -info.smallest_subnormal, info.max,
                  -info.max, 1.0, -1.0, 30.0, -30.0], dtype)
    g = np.array([1.0, np.inf, 2.0, np.nan, -1.0, 3.0, 0.5, 1.0, -2.0, np.inf, 0.0, 1.0, -1.0], dtype)
    for suffix, args in [("", (x,)), ("_derivative", (x,)), ("_backward", (g, x))]:
        want = fn(name + suffix)(*args, **params, backend="numpy")
        got = to_host(fn(name + suffix)(*map(cuda.to_device, args), **params))
        assert_close(got, want, atol_eps=CANCELLING.get(name, 0), **(BACKWARD if suffix else {}),
                     err_msg=f"{name}{suffix}")


def device_layouts(x):
    """GPU views of the same 12 × 20 values: C, Fortran, strided, transposed, 5-D."""
    square = x[:240].reshape(12, 20)
    yield "c", cuda.to_device(square), square
    yield "fortran", cuda.to_device(np.asfortranarray(square)), square
    yield "strided", cuda.to_device(np.repeat(square, 2, axis=1))[:, ::2], square
    yield "transposed", cuda.to_device(np.ascontiguousarray(square.T)).T, square
    five = np.ascontiguousarray(np.repeat(x[:48].reshape(2, 3, 2, 2, 2), 2, axis=4))
    yield "5-d strided", cuda.to_device(five)[:, :, :, :, ::2], five[..., ::2]  # no Ellipsis on a GPU


@pytest.mark.parametrize("name", ["sigmoid", "msaf", "leaky_relu"])
def test_device_layouts_and_in_place(name, dtype):
    params = dict(CASES)[name]
    for layout, device_x, host_x in device_layouts(random_input(dtype)):
        want = fn(name)(host_x, **params, backend="numpy")
        assert_close(to_host(fn(name)(device_x, **params)), want, atol_eps=CANCELLING.get(name, 0),
                     err_msg=f"{name} {layout}")
        grad = cuda.to_device(np.ones_like(host_x))
        assert_close(to_host(fn(name + "_backward")(grad, device_x, **params)),
                     fn(name + "_backward")(np.ones_like(host_x), host_x, **params, backend="numpy"),
                     atol_eps=CANCELLING.get(name, 0), **BACKWARD, err_msg=f"{name}_backward {layout}")
        assert fn(name + "_")(device_x, **params) is device_x
        assert_close(to_host(device_x), want, atol_eps=CANCELLING.get(name, 0), err_msg=f"{name}_ {layout}")


def test_strided_view_in_place_leaves_the_other_elements():
    x = random_input(np.float32, shape=(2 * N,))
    base = cuda.to_device(x)
    view = base[::2]
    fastact.elu_(view)
    host = to_host(base)
    np.testing.assert_array_equal(host[1::2], x[1::2])
    assert_close(host[::2], fastact.elu(x[::2], backend="numpy"))


def test_foreign_arrays_are_used_in_place():
    x = random_input(np.float32, shape=(N,))
    device = cuda.to_device(x)
    assert fastact.relu_(Foreign(device)).base is device
    np.testing.assert_array_equal(to_host(device), fastact.relu(x, backend="numpy"))
    out = cuda.device_array_like(x)
    assert fastact.tanh(Foreign(cuda.to_device(x)), out=Foreign(out)).base is out
    assert_close(to_host(out), fastact.tanh(x, backend="numpy"))


def test_out_and_new_arrays_keep_the_kind():
    x = random_input(np.float64, shape=(N,))
    device = cuda.to_device(x)
    got = fastact.sigmoid(device)
    assert type(got) is type(device)
    out = cuda.device_array_like(x)
    assert fastact.sigmoid(device, out=out) is out
    assert fastact.sigmoid(device, out=device) is device
    assert_close(to_host(device), fastact.sigmoid(x, backend="numpy"))


def test_integer_input_computes_in_float64():
    ints = np.arange(-5, 5, dtype=np.int32)
    got = fastact.elu(cuda.to_device(ints))
    assert np.dtype(got.dtype) == np.float64
    np.testing.assert_array_equal(to_host(got), fastact.elu(ints.astype(np.float64), backend="numpy"))
    with pytest.raises(TypeError, match="float32 or float64"):
        fastact.elu_(cuda.to_device(ints))


def test_bad_calls_raise_before_writing():
    x = random_input(np.float32, shape=(N,))
    device = cuda.to_device(x)
    with pytest.raises(TypeError, match="computes on the CPU"):
        fastact.relu(device, backend="numba")
    with pytest.raises(TypeError, match="computes on the CPU"):
        fastact.softmax(device, backend="numpy")
    with pytest.raises(TypeError, match="GPU array"):
        fastact.relu(device, out=np.empty_like(x))
    with pytest.raises(TypeError, match="not a GPU array"):
        fastact.relu_backward(x, device)
    with pytest.raises(ValueError, match="shape"):
        fastact.relu_backward(cuda.to_device(x[:10]), device)
    with pytest.raises(TypeError, match="dtype"):
        fastact.relu_backward(cuda.to_device(x.astype(np.float64)), device)
    with pytest.raises(ValueError, match="overlaps"):
        fastact.relu(device[:-1], out=device[1:])
    with pytest.raises(ValueError, match="read-only"):
        fastact.relu_(Foreign(device, readonly=True))
    with pytest.raises(ValueError, match="read-only"):
        fastact.relu(device, out=Foreign(cuda.device_array_like(x), readonly=True))
    with pytest.raises(ValueError, match="finite"):
        fastact.elu_(device, alpha=math.inf)
    with pytest.raises(ValueError, match="does not determine"):
        fastact.msaf_backward(device, y=device, r=1.0)
    with pytest.raises(TypeError, match="not supported"):
        fastact.softmax_jacobian(device)
    np.testing.assert_array_equal(to_host(device), x)


def test_unavailable_backend_raises_a_clear_error(monkeypatch):
    monkeypatch.setitem(_dispatch._BACKENDS, "cuda", ("fastact._cuda_backend", lambda: False))
    monkeypatch.setattr(_dispatch, "_loaded", {})
    assert "cuda" not in fastact.backends()
    with pytest.raises(fastact.BackendUnavailableError, match="numba-cuda"):
        fastact.relu(np.ones(3), backend="cuda")
    with pytest.raises(fastact.BackendUnavailableError, match="numba-cuda"):
        fastact.relu(cuda.to_device(np.ones(3)))


# --- parameter gradients ------------------------------------------------------------------------


def conditioned_tolerance(name, params, g, x):
    """8 eps · Σ|g · ∂f/∂p| per parameter: the sum's condition, times the formulas' accuracy."""
    spec = ELEMENTWISE[name]
    values = spec.validate(tuple(params.get(p.name, p.default) for p in spec.params))
    wide = {p.name: np.longdouble(v) if not isinstance(v, tuple) else tuple(map(np.longdouble, v))
            for p, v in zip(spec.params, values)}
    with np.errstate(all="ignore"):
        partials = _reference.FORMULAS[name].param_derivatives(x.astype(np.longdouble), **wide)
    eps = np.finfo(x.dtype).eps
    return {k: [8 * eps * float(np.sum(np.abs(g * dk))) for dk in (d if isinstance(d, list) else [d])]
            for k, d in partials.items()}


PARAMS_LAST = {name: sets[-1] for name, sets in PARAMS.items()}
#: One parameter set per activation with learnable parameters (MSAF's with a vector r).
GRAD_CASES = [c for c in CASES if ELEMENTWISE[c[0]].learnable and c[1] is PARAMS_LAST[c[0]]]


@pytest.mark.parametrize("case", GRAD_CASES, ids=case_id)
def test_param_grads_match_reference_and_repeat(case, dtype):
    name, params = case
    x = random_input(dtype, shape=(N,))
    g = random_input(dtype, shape=(N,), seed=1)
    want = fn(name + "_param_grads")(g, x, **params, backend="numpy")
    tolerance = conditioned_tolerance(name, params, g, x)
    host = fn(name + "_param_grads")(g, x, **params, backend="cuda")
    device = fn(name + "_param_grads")(cuda.to_device(g), cuda.to_device(x), **params)
    for key in want:
        for got in (host[key], device[key]):
            assert np.asarray(got).dtype == dtype
            np.testing.assert_allclose(np.atleast_1d(got), np.atleast_1d(want[key]), rtol=0,
                                       atol=max(tolerance[key]) + np.finfo(dtype).tiny, err_msg=key)
        np.testing.assert_array_equal(device[key], host[key])  # one summation order


def test_param_grads_of_a_transposed_pair():
    x = random_input(np.float64, shape=(240,)).reshape(12, 20)
    g = random_input(np.float64, shape=(240,), seed=1).reshape(12, 20)
    want = fastact.elu_param_grads(g, x, alpha=0.5, backend="numpy")["alpha"]
    got = fastact.elu_param_grads(cuda.to_device(g), cuda.to_device(np.ascontiguousarray(x.T)).T, alpha=0.5)
    np.testing.assert_allclose(got["alpha"], want, rtol=1e-13)


# --- softmax ------------------------------------------------------------------------------------


def softmax_rows(dtype, rows, n, seed=0):
    x = random_input(dtype, shape=(rows * n,), seed=seed).reshape(rows, n)
    return x / 4


@pytest.mark.parametrize("n", ROW_LENGTHS)
def test_softmax_rows(n, dtype):
    x = softmax_rows(dtype, 3, n)
    g = softmax_rows(dtype, 3, n, seed=1)
    want = fastact.softmax(x, backend="numpy")
    assert_close(fastact.softmax(x, backend="cuda"), want, err_msg="host")
    device = cuda.to_device(x)
    assert_close(to_host(fastact.softmax(device)), want, err_msg="device")
    assert fastact.softmax_(device) is device
    assert_close(to_host(device), want, err_msg="in place")
    grad_want = fastact.softmax_backward(g, want, backend="numpy")
    slack = dict(ulps=8, atol_eps=8 * float(np.abs(g).max()))
    assert_close(fastact.softmax_backward(g, want, backend="cuda"), grad_want, **slack, err_msg="backward host")
    got = fastact.softmax_backward(cuda.to_device(g), cuda.to_device(want))
    assert_close(to_host(got), grad_want, **slack, err_msg="backward device")


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_softmax_axes_and_layouts(axis, dtype):
    x = softmax_rows(dtype, 2, 12).reshape(2, 3, 4)  # small: the simulator takes ~0.7 s per row per call
    g = softmax_rows(dtype, 2, 12, seed=1).reshape(2, 3, 4)
    want = fastact.softmax(x, axis=axis, backend="numpy")
    grad_want = fastact.softmax_backward(g, want, axis=axis, backend="numpy")
    slack = dict(ulps=8, atol_eps=8 * float(np.abs(g).max()))
    assert_close(fastact.softmax(x, axis=axis, backend="cuda"), want, err_msg="host")
    for layout, device in [("c", cuda.to_device(x)), ("strided", cuda.to_device(np.repeat(x, 2, axis=1))[:, ::2])]:
        assert_close(to_host(fastact.softmax(device, axis=axis)), want, err_msg=layout)
        got = fastact.softmax_backward(cuda.to_device(g), cuda.to_device(want), axis=axis)
        assert_close(to_host(got), grad_want, **slack, err_msg=f"backward {layout}")


def test_softmax_special_rows(dtype):
    """Special values in rows of one warp (two rows per block, the last block's second row
    missing) and in long rows read twice, and along columns."""
    inf, nan = np.inf, np.nan
    for n in (4, 100):  # one warp per row; a long row read twice
        x = np.zeros((7, n), dtype)
        x[0, 1] = nan
        x[1, 2] = inf
        x[2, :] = -inf
        x[3, 0] = -inf
        x[4, :] = np.linspace(-800, 800, n)
        x[5, -1] = -inf
        x[6, :] = np.linspace(-3, 3, n)
        for row_major in (x, np.ascontiguousarray(x.T)):
            axis = 1 if row_major is x else 0
            want = fastact.softmax(row_major, axis=axis, backend="numpy")
            with _cuda_backend.launch_limits(threads=64):
                got = to_host(fastact.softmax(cuda.to_device(row_major), axis=axis))
            assert_close(got, want, err_msg=f"n={n} axis={axis}")


def test_softmax_of_long_float64_columns_is_compensated():
    """A column of 2,048 float64 values: a plain running sum of e^z drifts by tens of ULP
    (seen on an H200: 45 ULP); the column kernel's compensated sum stays within 4."""
    x = random_input(np.float64, shape=(2048 * 3,), seed=2).reshape(2048, 3) % 8
    want = fastact.softmax(x, axis=0, backend="numpy")
    assert_close(to_host(fastact.softmax(cuda.to_device(x), axis=0)), want, err_msg="softmax")
    assert_close(to_host(fastact.softmin(cuda.to_device(x), axis=0)), fastact.softmin(x, axis=0, backend="numpy"),
                 err_msg="softmin")


def test_softmax_zero_dim_and_empty():
    assert to_host(fastact.softmax(cuda.to_device(np.array(3.0)))) == 1.0
    empty = cuda.to_device(np.zeros((0, 4), np.float32))
    assert fastact.softmax(empty).shape == (0, 4)


@pytest.mark.skipif(SIMULATED, reason="the simulator has no streams")
def test_kernels_launch_on_the_arrays_stream():
    stream = cuda.stream()
    x = cuda.to_device(np.linspace(-3, 3, N), stream=stream)
    operand = _cuda_arrays.describe(x, "x", "test")
    assert int(_cuda_arrays.launch_stream([operand]).handle) == int(stream.handle)
    y = fastact.sigmoid(x)
    stream.synchronize()
    assert_close(to_host(y), fastact.sigmoid(np.linspace(-3, 3, N), backend="numpy"))


# --- log_softmax and softmin ---------------------------------------------------------------------

AXIS_FUNCTIONS = ["log_softmax", "softmin"]
#: As the CPU backends' tests (tests/test_axis_and_prelu.py).
AXIS_FORWARD = dict(ulps=8, atol_eps=4)
AXIS_BACKWARD = dict(ulps=8, atol_eps=16)


#: One warp per row, two warps per row, long rows read twice (the two functions share the code).
@pytest.mark.parametrize("name, rows, n", [("log_softmax", 2, 5), ("softmin", 1, 100), ("log_softmax", 1, 200)])
def test_axis_function_rows(name, rows, n, dtype):
    x = softmax_rows(dtype, rows, n) * 4
    g = softmax_rows(dtype, rows, n, seed=1)
    forward, backward = fn(name), fn(name + "_backward")
    want = forward(x, backend="numpy")
    grad_want = backward(g, want, backend="numpy")
    assert_close(forward(x, backend="cuda"), want, **AXIS_FORWARD, err_msg="host")
    assert_close(backward(g, want, backend="cuda"), grad_want, **AXIS_BACKWARD, err_msg="backward host")
    device = cuda.to_device(x)
    assert_close(to_host(forward(device)), want, **AXIS_FORWARD, err_msg="device")
    assert fn(name + "_")(device) is device
    assert_close(to_host(device), want, **AXIS_FORWARD, err_msg="in place")
    got = backward(cuda.to_device(g), cuda.to_device(want))
    assert_close(to_host(got), grad_want, **AXIS_BACKWARD, err_msg="backward device")


@pytest.mark.parametrize("name, dtype", [("log_softmax", np.float32), ("softmin", np.float64)])
def test_axis_function_along_the_first_axis(name, dtype):
    x = softmax_rows(dtype, 4, 15).reshape(3, 4, 5) * 4
    g = softmax_rows(dtype, 4, 15, seed=1).reshape(3, 4, 5)
    forward, backward = fn(name), fn(name + "_backward")
    want = forward(x, axis=0, backend="numpy")
    grad_want = backward(g, want, axis=0, backend="numpy")
    assert_close(forward(x, axis=0, backend="cuda"), want, **AXIS_FORWARD, err_msg="host")
    assert_close(backward(g, want, axis=0, backend="cuda"), grad_want, **AXIS_BACKWARD, err_msg="backward host")
    assert_close(to_host(forward(cuda.to_device(x), axis=0)), want, **AXIS_FORWARD, err_msg="device")
    got = backward(cuda.to_device(g), cuda.to_device(want), axis=0)
    assert_close(to_host(got), grad_want, **AXIS_BACKWARD, err_msg="backward device")


def test_axis_function_special_rows():
    x = np.zeros((5, 4))
    x[0, 1] = np.nan
    x[1, 2] = np.inf
    x[2, :] = -np.inf
    x[3, 0] = -np.inf
    x[4, :] = [-800.0, 0.0, 300.0, 800.0]
    for name in AXIS_FUNCTIONS:
        for axis, a in [(1, x), (0, np.ascontiguousarray(x.T))]:
            want = fn(name)(a, axis=axis, backend="numpy")
            assert_close(to_host(fn(name)(cuda.to_device(a), axis=axis)), want, **AXIS_FORWARD,
                         err_msg=f"{name} axis={axis}")


# --- the fused neuron v = f(u − θ) ----------------------------------------------------------------

#: (activation, parameters, feature axis): one with a learnable parameter, one with y-backward.
BIAS_CASES = [("elu", {"alpha": 0.5}, 1), ("sigmoid", {}, -1)]


def feature_sum_tolerance(dtype, terms):
    """8 eps · Σ|term| (the sum's condition, times the terms' accuracy), plus the tiniest normal."""
    return 8 * np.finfo(dtype).eps * float(np.sum(np.abs(terms))) + np.finfo(dtype).tiny


@pytest.mark.parametrize("name, params, axis", BIAS_CASES, ids=lambda v: str(v))
def test_bias_act_matches_reference(name, params, axis, dtype):
    u = random_input(dtype, shape=(60,)).reshape(3, 4, 5)
    g = random_input(dtype, shape=(60,), seed=1).reshape(3, 4, 5)
    theta = np.linspace(-1, 1, u.shape[axis]).astype(dtype)
    want = fastact.bias_act(u, theta, name, axis=axis, backend="numpy", **params)
    back = fastact.bias_act_backward(g, u, theta, name, axis=axis, backend="numpy", **params)
    assert_close(fastact.bias_act(u, theta, name, axis=axis, backend="cuda", **params), want, err_msg="host")
    strided = cuda.to_device(np.repeat(u, 2, axis=2))[:, :, ::2]  # through a C-contiguous temporary
    for layout, device_u in [("c", cuda.to_device(u)), ("strided", strided)]:
        got = fastact.bias_act(device_u, cuda.to_device(theta), name, axis=axis, **params)
        assert_close(to_host(got), want, err_msg=layout)
    device = cuda.to_device(u)
    assert fastact.bias_act(device, cuda.to_device(theta), name, axis=axis, out=device, **params) is device
    assert_close(to_host(device), want, err_msg="in place")
    calls = [("host", fastact.bias_act_backward(g, u, theta, name, axis=axis, backend="cuda", **params)),
             ("device", fastact.bias_act_backward(cuda.to_device(g), cuda.to_device(u), cuda.to_device(theta),
                                                  name, axis=axis, **params))]
    references = {"host": back, "device": back}
    if from_y_ok(name, params):
        calls.append(("device from y", fastact.bias_act_backward(
            cuda.to_device(g), None, cuda.to_device(theta), name, axis=axis, y=cuda.to_device(want), **params)))
        references["device from y"] = fastact.bias_act_backward(g, None, theta, name, axis=axis, y=want,
                                                                backend="numpy", **params)
    others = tuple(a for a in range(3) if a != axis % 3)
    for label, got in calls:
        back = references[label]
        du = got.du if label == "host" else to_host(got.du)
        assert_close(du, back.du, **BACKWARD, err_msg=f"du {label}")
        assert got.dtheta.dtype == dtype
        np.testing.assert_allclose(got.dtheta, back.dtheta, rtol=0, err_msg=f"dtheta {label}",
                                   atol=feature_sum_tolerance(dtype, np.sum(np.abs(back.du), axis=others)))
        if label == "device from y":
            assert got.params is None if ELEMENTWISE[name].learnable else got.params == {}
        for key, value in (back.params or {}).items():
            np.testing.assert_allclose(got.params[key], value, rtol=8 * np.finfo(dtype).eps * 60,
                                       err_msg=f"{key} {label}")
    np.testing.assert_array_equal(calls[0][1].dtheta, calls[1][1].dtheta)  # one summation order


def test_bias_act_checks_gpu_arguments():
    u = cuda.to_device(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="theta has shape"):
        fastact.bias_act(u, cuda.to_device(np.zeros(2)), "relu")
    with pytest.raises(TypeError, match="same dtype"):
        fastact.bias_act(u, cuda.to_device(np.zeros(3, np.float32)), "relu")
    with pytest.raises(TypeError, match="not a GPU array"):
        fastact.bias_act(u, np.zeros(3), "relu")


# --- PReLU --------------------------------------------------------------------------------------


@pytest.mark.parametrize("channels, axis", [(4, 1), (5, -1), (1, 1)], ids=["axis=1", "axis=-1", "one slope"])
def test_prelu_matches_reference(channels, axis, dtype):
    x = random_input(dtype, shape=(60,)).reshape(3, 4, 5)
    g = random_input(dtype, shape=(60,), seed=1).reshape(3, 4, 5)
    w = np.linspace(0.1, 0.7, channels).astype(dtype)
    for function, args, kw in [("prelu", (x, w, axis), {}), ("prelu_derivative", (x, w, axis), {}),
                               ("prelu_backward", (g, x), {"weight": w, "axis": axis}),
                               ("prelu_backward", (g,), {"y": fastact.prelu(x, w, axis, backend="numpy"),
                                                         "weight": w, "axis": axis})]:
        want = fn(function)(*args, **kw, backend="numpy")
        assert_close(fn(function)(*args, **kw, backend="cuda"), want, ulps=0, err_msg=f"{function} host")
        device_args = [cuda.to_device(a) if isinstance(a, np.ndarray) and a is not w else a for a in args]
        device_kw = {k: cuda.to_device(v) if k == "y" else v for k, v in kw.items()}
        got = fn(function)(*device_args, **device_kw)
        assert_close(to_host(got), want, ulps=0, err_msg=f"{function} device")
    base = cuda.to_device(np.repeat(x, 2, axis=2))
    device = base[:, :, ::2]  # in place through a temporary
    assert fastact.prelu_(device, cuda.to_device(w), axis) is device
    assert_close(to_host(base)[..., ::2], fastact.prelu(x, w, axis, backend="numpy"), ulps=0, err_msg="in place")
    np.testing.assert_array_equal(to_host(base)[..., 1::2], x)
    want = fastact.prelu_param_grads(g, x, w, axis, backend="numpy")["weight"]
    other = tuple(d for d in range(3) if d != axis % 3) if channels > 1 else None
    atol = feature_sum_tolerance(dtype, np.sum(np.abs(g * np.minimum(x, 0)), axis=other))
    host = fastact.prelu_param_grads(g, x, w, axis, backend="cuda")["weight"]
    on_device = fastact.prelu_param_grads(cuda.to_device(g), cuda.to_device(x), w, axis)["weight"]
    for got in (host, on_device):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)
    np.testing.assert_array_equal(host, on_device)


def test_feature_sums_on_the_gpu_before_the_host(monkeypatch):
    """Partial arrays are added on the GPU in chunks until one row is left (here: chunks of 4
    rows: 32 rows, then 8, 2, 1)."""
    monkeypatch.setattr(feature_loops, "COLUMN_CHUNK", 4)
    x = random_input(np.float64, shape=(6000,)).reshape(40, 3, 50)
    g = random_input(np.float64, shape=(6000,), seed=1).reshape(40, 3, 50)
    w = np.array([0.1, 0.2, 0.3])
    want = fastact.prelu_param_grads(g, x, w, backend="numpy")["weight"]
    atol = feature_sum_tolerance(np.float64, np.sum(np.abs(g * np.minimum(x, 0)), axis=(0, 2)))
    np.testing.assert_allclose(fastact.prelu_param_grads(g, x, w, backend="cuda")["weight"], want, rtol=0, atol=atol)
    back = fastact.bias_act_backward(g, x, w, "relu", axis=1, backend="numpy")
    got = fastact.bias_act_backward(cuda.to_device(g), cuda.to_device(x), cuda.to_device(w), "relu", axis=1)
    np.testing.assert_allclose(got.dtheta, back.dtheta, rtol=0,
                               atol=feature_sum_tolerance(np.float64, np.sum(np.abs(back.du), axis=(0, 2))))


def test_prelu_checks_gpu_arguments():
    x = cuda.to_device(np.ones((2, 3)))
    with pytest.raises(ValueError, match="channels"):
        fastact.prelu(x, np.ones(2))
    with pytest.raises(ValueError, match="slope > 0"):
        fastact.prelu_backward(x, y=x, weight=[-0.5, 1.0, 1.0])
