"""Tests for fastact._kernels.vmath: accuracy, special values, types, asm."""
import math
import platform

import numpy as np
import pytest
from numba import njit, types

from fastact._kernels import asm_check, vmath
from fastact._kernels.vmath_accuracy import (
    FUNCTIONS, evaluate, sample_inputs, ulp_errors_float32, ulp_errors_float64)

MAX_ULP = 2.0
F32, F64 = np.float32, np.float64
INF, NAN = math.inf, math.nan


# ---------------------------------------------------------------- accuracy

@pytest.mark.parametrize("name", FUNCTIONS)
def test_float32_within_2_ulp(name):
    x, err = ulp_errors_float32(name, sample_inputs(name, F32, 1_000_000))
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP, f"{name}({x[worst]!r}) off by {err[worst]} ULP"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float64_within_2_ulp(name):
    x, err = ulp_errors_float64(name, sample_inputs(name, F64, 10_000, seed=1))
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP, f"{name}({x[worst]!r}) off by {err[worst]} ULP"


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", [F32, F64])
def test_cancellation_regions(name, dtype):
    """Dense sweep of |x| in [2**-40, 2] (expm1/log1p/tanh/erf near 0)."""
    magnitudes = np.exp2(np.linspace(-40, 1, 20_000))
    x = np.concatenate([magnitudes, -magnitudes]).astype(dtype)
    if name in ("log",):
        x = np.abs(x) + dtype(1)
    if name == "log1p_unit":  # defined on [0, 1]
        x = np.minimum(np.abs(x), dtype(1))
    measure = ulp_errors_float32 if dtype is F32 else ulp_errors_float64
    if dtype is F64:
        x = x[::20]
    _, err = measure(name, x)
    assert err.max() <= MAX_ULP


def test_float32_subnormal_results():
    """exp and sigmoid produce subnormal float32 results on the right grid."""
    x = np.linspace(-104, -87, 200_000).astype(F32)
    for name in ("exp", "sigmoid"):
        _, err = ulp_errors_float32(name, x)
        assert err.max() <= MAX_ULP


@njit
def _exp_scaled_loop(x, out):
    for i in range(x.size):
        out[i] = vmath.exp_scaled(x[i])


@pytest.mark.parametrize("dtype", [F32, F64])
def test_exp_scaled_is_normal_and_within_2_ulp(dtype):
    """e^x·2^S down to the clamp: normal results, ≤ 2 ULP against extended precision; NaN and
    the clamp pass as documented."""
    scale, lo = vmath.EXP_SCALED[np.finfo(dtype).bits]
    x = np.concatenate([np.linspace(lo, 0, 200_001), -np.exp2(np.linspace(-160, 3, 20_001))]).astype(dtype)
    got = np.empty_like(x)
    _exp_scaled_loop(x, got)
    ref = np.exp(x.astype(np.longdouble)) * np.longdouble(scale)
    assert got.min() >= np.finfo(dtype).tiny
    spacing = np.exp2(np.floor(np.log2(ref)) - (np.finfo(dtype).nmant)).astype(np.longdouble)
    err = np.abs(got.astype(np.longdouble) - ref) / spacing
    assert float(err.max()) <= MAX_ULP, float(err.max())
    special = np.array([np.nan, -np.inf, lo - 100, 0.0, -0.0], dtype)
    _exp_scaled_loop(special, got[:5])
    clamp = np.exp(np.longdouble(lo)) * np.longdouble(scale)
    assert np.isnan(got[0]) and got[1] == got[2] == dtype(clamp) and got[3] == got[4] == dtype(scale)


# ---------------------------------------------------------- special values

SPECIAL_CASES = {
    "exp": [(-INF, 0.0), (INF, INF), (0.0, 1.0), (-0.0, 1.0)],
    "expm1": [(-INF, -1.0), (INF, INF), (0.0, 0.0), (-0.0, -0.0), (-100.0, -1.0)],
    "log": [(0.0, -INF), (-0.0, -INF), (-1.0, NAN), (-INF, NAN), (INF, INF), (1.0, 0.0)],
    "log1p": [(-1.0, -INF), (-2.0, NAN), (-INF, NAN), (INF, INF), (0.0, 0.0),
              (-0.0, -0.0)],
    "log1p_unit": [(0.0, 0.0)],
    "tanh": [(0.0, 0.0), (-0.0, -0.0), (INF, 1.0), (-INF, -1.0), (50.0, 1.0),
             (-50.0, -1.0)],
    "erf": [(0.0, 0.0), (-0.0, -0.0), (INF, 1.0), (-INF, -1.0), (10.0, 1.0),
            (-10.0, -1.0)],
    "sigmoid": [(-INF, 0.0), (INF, 1.0), (0.0, 0.5), (-0.0, 0.5), (1000.0, 1.0),
                (-1000.0, 0.0)],
}
DTYPE_SPECIAL_CASES = {
    F32: {"exp": [(89.0, INF), (-104.0, 0.0), (1000.0, INF)],
          "expm1": [(89.0, INF)]},
    F64: {"exp": [(710.0, INF), (-746.0, 0.0), (-745.0, 5e-324), (1e300, INF)],
          "expm1": [(710.0, INF)]},
}


def _assert_same(got, expected, what):
    if math.isnan(expected):
        assert np.isnan(got), what
    else:
        assert got == expected and np.signbit(got) == np.signbit(expected), what


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", [F32, F64])
def test_special_values(name, dtype):
    cases = SPECIAL_CASES[name] + DTYPE_SPECIAL_CASES[dtype].get(name, []) + [(NAN, NAN)]
    x = np.array([c[0] for c in cases], dtype=dtype)
    got = evaluate(name, x)
    assert got.dtype == dtype
    for xi, gi, (_, expected) in zip(x, got, cases):
        _assert_same(gi, dtype(expected), f"{name}({xi!r}) = {gi!r}, expected {expected!r}")


@pytest.mark.parametrize("name", ["expm1", "log1p", "tanh", "erf"])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_odd_functions_keep_tiny_and_subnormal_inputs(name, dtype):
    """f(x) == x for subnormal x (expm1, log1p, tanh) and the sign of 0."""
    tiny = np.finfo(dtype).smallest_subnormal
    x = np.array([tiny, -tiny, 8 * tiny, -8 * tiny], dtype=dtype)
    got = evaluate(name, x)
    if name == "erf":   # erf(x) ~ 2/sqrt(pi) x, rounded on the subnormal grid
        assert np.all(np.abs(got - x * dtype(2 / np.sqrt(np.pi))) <= 2 * tiny)
        assert np.all(np.signbit(got) == np.signbit(x))
    else:
        np.testing.assert_array_equal(got, x)


def test_sigmoid_tails_never_nan():
    for dtype in (F32, F64):
        info = np.finfo(dtype)
        x = np.array([info.max, -info.max, info.min, 1e4, -1e4], dtype=dtype)
        got = evaluate("sigmoid", x)
        assert not np.isnan(got).any()
        np.testing.assert_array_equal(got, np.array([1, 0, 0, 1, 0], dtype=dtype))


# -------------------------------------------------------- types & fallback

@pytest.mark.parametrize("name", FUNCTIONS)
def test_result_type_follows_argument(name):
    func = getattr(vmath, name)

    @njit
    def call(x):
        return func(x)

    expected = {types.float32: types.float32, types.float64: types.float64,
                types.int64: types.float64}
    for arg, value in ((types.float32, F32(0.5)), (types.float64, 0.5), (types.int64, 1)):
        call(value)
        cres = call.overloads[(arg,)]
        assert cres.signature.return_type == expected[arg]


def test_python_fallback_matches_math():
    assert vmath.exp(1.0) == math.exp(1.0)
    assert vmath.exp(1000.0) == INF
    assert vmath.expm1(1e-10) == math.expm1(1e-10)
    assert vmath.log(0.0) == -INF and math.isnan(vmath.log(-1.0))
    assert vmath.log1p(-1.0) == -INF and math.isnan(vmath.log1p(-2.0))
    assert vmath.log1p_unit(0.5) == math.log1p(0.5)
    assert vmath.tanh(0.5) == math.tanh(0.5)
    assert vmath.erf(0.5) == math.erf(0.5)
    assert vmath.sigmoid(-1000.0) == 0.0 and vmath.sigmoid(0.0) == 0.5
    assert vmath.exp_scaled(-1.0) == math.exp(-1.0) * 2.0**128
    scaled32 = vmath.exp_scaled(np.float32(-1.0))  # float32, as the compiled function returns
    assert type(scaled32) is np.float32 and scaled32 == np.float32(math.exp(-1.0) * 2.0**48)


# ------------------------------------------------------------------- asm

@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="assembly patterns are x86-64")
def test_loops_vectorize_without_calls():
    report = asm_check.vector_width_report()
    assert set(report) == {(n, d.__name__) for n in FUNCTIONS for d in (F32, F64)}
    for key, row in report.items():
        assert row["calls"] == [], (key, row["calls"])
        assert row["symbols"] == [], (key, row["symbols"])
        assert row["widest"] in ("ymm", "zmm"), (key, row["widest"])


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="assembly patterns are x86-64")
def test_activation_loops_vectorize_without_calls(tmp_path):
    """The numba backend's loops inline every formula and use packed SIMD registers.

    Runs in a fresh process with an empty numba cache: numba shows no assembly for cached code.
    """
    import json
    import os
    import subprocess
    import sys

    code = ("import json; from fastact._kernels import asm_check; import numpy as np;"
            "r = asm_check.activation_report(ops=('forward', 'vjp'), dtypes=(np.float32,));"
            "print(json.dumps({' '.join(k): v for k, v in r.items()}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report) >= 14
    for key, row in report.items():
        assert row["calls"] == [] and row["symbols"] == [], (key, row["calls"], row["symbols"])
        assert row["widest"] in ("ymm", "zmm"), (key, row["widest"])
