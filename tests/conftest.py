"""Shared fixtures: the backends and dtypes under test, and parameter sets per activation."""

import numpy as np
import pytest

import fastact
from fastact._catalog import ELEMENTWISE

#: The compiled backends checked against the NumPy reference (every usable one but numpy).
COMPILED = [b for b in fastact.backends() if b != "numpy"]
DTYPES = [np.float32, np.float64]

#: Parameter sets per activation: defaults and non-trivial values (None means "required").
PARAMS = {
    "sigmoid": [{}, {"slope": 2.5}, {"slope": -0.5}],
    "tanh": [{}],
    "msaf": [{"r": (0.0, -4.0)}, {"r": 1.5, "offset": -0.5}, {"r": [-3.0, 0.0, 3.0], "offset": 1.0}],
    "sym_msaf": [{"r": -6.0}, {"r": -1.0}],
    "relu": [{}],
    "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": -0.3}],
    "elu": [{}, {"alpha": 0.5}, {"alpha": 2.0}],
}
assert set(PARAMS) == set(ELEMENTWISE), "every activation needs test parameters"

#: (name, params) for every activation and parameter set.
CASES = [(name, params) for name in ELEMENTWISE for params in PARAMS[name]]


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


@pytest.fixture(params=COMPILED)
def backend(request):
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
