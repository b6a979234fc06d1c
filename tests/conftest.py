"""Shared fixtures: the backends and dtypes under test, and parameter sets per activation."""

import ctypes.util
import os

import numpy as np
import pytest

# numba.cuda reads this when it is first imported (fastact.backends() below imports it): where
# no NVIDIA driver is installed, the CUDA backend's tests run on numba's CUDA simulator.
if "NUMBA_ENABLE_CUDASIM" not in os.environ and ctypes.util.find_library("cuda") is None:
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"

import fastact  # noqa: E402
from fastact._catalog import ELEMENTWISE  # noqa: E402

#: The compiled CPU backends checked against the NumPy reference by the full test matrix
#: (the CUDA backend has its own, smaller test file: tests/test_cuda.py).
COMPILED = [b for b in fastact.backends() if b not in ("numpy", "cuda")]
DTYPES = [np.float32, np.float64]

#: Parameter sets per activation: defaults and non-trivial values (None means "required").
PARAMS = {
    "sigmoid": [{}, {"slope": 2.5}, {"slope": -0.5}],
    "tanh": [{}],
    "msaf": [{"r": (0.0, -4.0)}, {"r": 1.5, "offset": -0.5}, {"r": [-3.0, 0.0, 3.0], "offset": 1.0},
             {"r": [-6.0, -2.0, 2.0, 6.0]}],  # 1, 2, 3 shifts: the C loops for each; 4: any number
    "sym_msaf": [{"r": -6.0}, {"r": -1.0}],
    "relu": [{}],
    "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": -0.3}],
    "elu": [{}, {"alpha": 0.5}, {"alpha": 2.0}],
    "selu": [{}],
    "celu": [{}, {"alpha": 0.5}, {"alpha": -2.0}],
    "gelu": [{}, {"approximate": "tanh"}],
    "silu": [{}],
    "swish": [{}, {"beta": 1.7}, {"beta": -0.6}],
    "mish": [{}],
    "softplus": [{}, {"beta": 2.0, "threshold": 9.01}, {"beta": 0.3}],
    "softsign": [{}],
    "hardtanh": [{}, {"min_val": -0.5, "max_val": 2.0}],
    "relu6": [{}],
    "hardsigmoid": [{}],
    "hardswish": [{}],
    "log_sigmoid": [{}],
    "threshold": [{"threshold": 0.5, "value": -2.0}, {"threshold": -1.0, "value": 3.0}],
}
assert set(PARAMS) == set(ELEMENTWISE), "every activation needs test parameters"

#: (name, params) for every activation and parameter set.
CASES = [(name, params) for name in ELEMENTWISE for params in PARAMS[name]]


#: Absolute slack (in units of eps) where a formula's value is a difference of O(1) terms.
CANCELLING = {"msaf": 8}
#: Derivatives that cross zero (absolute slack, in eps times max |grad| for backward): near a
#: zero, f′ = a − b cancels, and float64 results would be accurate to a few eps absolute only.
#: None left: silu′, swish′, gelu′ (both forms) and mish′ carry their zeros exactly
#: (tests/test_derivative_zeros.py holds them to 4 ULP there).
DERIVATIVE_ZEROS: dict = {}
#: x·σ(x)-type functions whose float64 result is deep in the subnormal range (x ≈ −745) inherit
#: the absolute error of the subnormal σ(x), magnified by |x| (in smallest subnormals). silu,
#: swish and gelu take σ·2^S and scale the product back once instead: not listed.
SUBNORMAL_PRODUCTS = {"mish": 1024}
#: A backward pass multiplies two computed values (grad and f′): 4 ULP each, and products
#: that pass through the subnormal range lose relative precision there.
BACKWARD = dict(ulps=8, atol_subnormal=64)


def case_id(case):
    name, params = case
    return name + "".join(f"-{k}={v}" for k, v in params.items())


def from_y_ok(name, params):
    spec = ELEMENTWISE[name]
    try:
        spec.check_from_y(spec.validate(tuple(params.get(p.name, p.default) for p in spec.params)))
    except ValueError:
        return False
    return True


def fn(name):
    return getattr(fastact, name)


def c_kernels():
    """The activations the cython backend has C kernels for (empty when it is not built)."""
    try:
        from fastact._cython import _kernels
    except ImportError:
        return set()
    return set(_kernels.KERNELS)


@pytest.fixture(params=COMPILED)
def backend(request):
    """A compiled backend."""
    return request.param


@pytest.fixture(params=DTYPES, ids=["float32", "float64"])
def dtype(request):
    return request.param


def ulp_distance(a, b):
    """Element-wise distance in units in the last place of b's dtype (NaN matches NaN, and
    equal infinities match)."""
    a = np.asarray(a)
    b = np.asarray(b)
    info = np.finfo(b.dtype)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore", over="ignore"):
        spacing = np.maximum(np.spacing(np.abs(b).astype(b.dtype)), info.smallest_subnormal)
        dist = np.abs(a.astype(np.float64) - b.astype(np.float64)) / spacing.astype(np.float64)
    return np.where(same, 0.0, np.where(np.isfinite(dist), dist, np.inf))


def assert_close(actual, expected, ulps=4, atol_eps=0.0, atol_subnormal=0, err_msg=""):
    """|actual − expected| ≤ ulps·ulp(expected), or ≤ atol_eps·eps, or ≤ atol_subnormal times
    the smallest subnormal; NaN where NaN; same dtype and shape."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.dtype == expected.dtype, f"dtype {actual.dtype} != {expected.dtype} {err_msg}"
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape} {err_msg}"
    eps = np.finfo(expected.dtype).eps
    dist = ulp_distance(actual, expected)
    with np.errstate(invalid="ignore", over="ignore"):
        absdiff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    tiny = np.finfo(expected.dtype).smallest_subnormal
    ok = (dist <= ulps) | (absdiff <= atol_eps * eps) | (absdiff <= atol_subnormal * tiny)
    if not ok.all():
        bad = np.flatnonzero(~ok.reshape(-1))[:5]
        raise AssertionError(
            f"{err_msg}: {(~ok).sum()} of {ok.size} differ; first: "
            + ", ".join(f"got {actual.reshape(-1)[i]!r} expected {expected.reshape(-1)[i]!r} "
                        f"({dist.reshape(-1)[i]:.3g} ulp)" for i in bad))
