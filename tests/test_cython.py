"""The cython backend: its build report, its elementary functions, and agreement with numba."""

import numpy as np
import pytest

import fastact
from conftest import (CANCELLING, CASES, DERIVATIVE_ZEROS, DTYPES, SUBNORMAL_PRODUCTS, assert_close, c_kernels,
                      case_id, fn)
from fastact import _threads
from fastact._catalog import ELEMENTWISE

pytestmark = pytest.mark.skipif("cython" not in fastact.backends(), reason="cython backend not built")

if "cython" in fastact.backends():
    from fastact import _cython_backend
    from fastact._cython import _kernels

#: The cases of the activations with C kernels (the rest: see test_every_activation_has_c_kernels).
C_CASES = [case for case in CASES if case[0] in c_kernels()]


def test_the_widest_instruction_set_is_in_use():
    assert _kernels.instruction_set() == _kernels.INSTRUCTION_SETS[0]
    assert _kernels.instruction_set() in _cython_backend.describe()


def test_every_activation_has_c_kernels():
    # gelu: one kernel set per form; msaf: one per number of shifts up to 3, and any number;
    # sigmoid and softplus: one for slope 1
    variants = {"gelu_tanh", "msaf1", "msaf2", "msaf3", "sigmoid1", "softplus1"}
    assert set(_kernels.KERNELS) == set(ELEMENTWISE) | variants
    assert _kernels.FROM_Y == {n for n, s in ELEMENTWISE.items() if s.from_y is not None} | {"sigmoid1", "softplus1"}
    assert _kernels.PARAM_SUMS == {n for n, s in ELEMENTWISE.items() if s.learnable} | (variants - {"gelu_tanh"})


@pytest.mark.skipif(_threads.max_threads() < 2, reason="needs two cores")
def test_openmp_is_what_the_module_reports():
    """Built with OpenMP, a prange runs on as many threads as asked; without, on one."""
    assert _kernels.team_size(2) == (2 if _kernels.OPENMP else 1)
    assert ("serial: built without OpenMP" in _cython_backend.describe()) == (not _kernels.OPENMP)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("op, function", [(0, np.exp), (1, np.expm1), (2, np.tanh)], ids=["exp", "expm1", "tanh"])
def test_vmath_within_2_ulp(op, function, dtype):
    """vmath.h against an extended-precision reference over the whole range, subnormal results
    included (exp underflows gradually), and at ±0, ±inf, NaN."""
    info = np.finfo(dtype)
    rng = np.random.default_rng(op)
    top = float(np.log(info.max)) + 1
    bottom = float(np.log(info.smallest_subnormal)) - 1
    x = np.concatenate([rng.uniform(bottom, top, 200_000), rng.uniform(-1, 1, 100_000),
                        np.exp(rng.uniform(bottom, 2, 100_000)) * rng.choice([-1, 1], 100_000),
                        np.exp(rng.uniform(2, top - 1, 50_000)),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, float(info.smallest_subnormal)]]).astype(dtype)
    out = np.empty_like(x)
    _kernels.vmath(op, x, out)
    wide = np.float64 if dtype == np.float32 else np.longdouble
    with np.errstate(over="ignore", invalid="ignore"):
        want = function(x.astype(wide)).astype(dtype)
    assert_close(out, want, ulps=2, err_msg=function.__name__)
    assert np.array_equal(np.signbit(out[x == 0]), np.signbit(x[x == 0])) or op == 0


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_log1p_on_the_unit_interval_within_2_ulp(dtype):
    """vmath.h's log1p of softplus and log-sigmoid, whose argument is e^(−|z|) in [0, 1]: a dense
    grid, magnitudes down to the smallest subnormal, the ends, and NaN."""
    info = np.finfo(dtype)
    rng = np.random.default_rng(3)
    x = np.concatenate([np.linspace(0, 1, 400_001), rng.uniform(0.9, 1, 100_000),
                        np.exp(rng.uniform(np.log(float(info.smallest_subnormal)), 0, 200_000)),
                        [0.0, 1.0, float(info.smallest_subnormal), float(info.tiny), np.nan]]).astype(dtype)
    out = np.empty_like(x)
    _kernels.vmath(3, x, out)
    wide = np.float64 if dtype == np.float32 else np.longdouble
    assert_close(out, np.log1p(x.astype(wide)).astype(dtype), ulps=2)


@pytest.mark.parametrize("case", C_CASES, ids=case_id)
def test_cython_agrees_with_numba(case, dtype):
    """Each is within 4 ULP of the truth (or within conftest's absolute slack), so within 8 of
    each other; larger than the parallel threshold, so both run their threaded loops."""
    name, params = case
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(_threads.PARALLEL_MIN_SIZE + 1001) * 20).astype(dtype)
    g = rng.standard_normal(x.size).astype(dtype)
    zeros = DERIVATIVE_ZEROS.get(name, 0) if dtype == np.float64 else 0
    subnormal = max(64, 2 * SUBNORMAL_PRODUCTS.get(name, 0))
    for suffix, args, slack in (("", (x,), 0), ("_derivative", (x,), zeros),
                                ("_backward", (g, x), zeros * float(np.abs(g).max()))):
        got = fn(name + suffix)(*args, **params, backend="cython")
        want = fn(name + suffix)(*args, **params, backend="numba")
        assert_close(got, want, ulps=8, atol_eps=CANCELLING.get(name, 0) + 2 * slack, atol_subnormal=subnormal,
                     err_msg=name + suffix)
    if ELEMENTWISE[name].learnable:
        got = fn(name + "_param_grads")(g, x, **params, backend="cython")
        want = fn(name + "_param_grads")(g, x, **params, backend="numba")
        exact = fn(name + "_param_grads")(g, x, **params, backend="numpy")
        for key in want:
            # compensated sums of terms within 4 ULP: both close to the reference
            scale = np.abs(fn(name + "_backward")(g, x, **params, backend="numpy")).sum() + 1
            np.testing.assert_allclose(got[key], exact[key], rtol=0, atol=64 * np.finfo(dtype).eps * scale)
            np.testing.assert_allclose(got[key], want[key], rtol=0, atol=64 * np.finfo(dtype).eps * scale)


def test_param_grads_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(9)
    x = rng.standard_normal(300_000)
    g = rng.standard_normal(x.size)
    before = _threads.get_num_threads()
    try:
        results = []
        for n in sorted({1, _threads.max_threads()}):
            _threads.set_num_threads(n)
            results.append(fastact.msaf_param_grads(g, x, r=(0.0, -4.0), offset=0.5, backend="cython"))
    finally:
        _threads.set_num_threads(before)
    for key in results[0]:
        np.testing.assert_array_equal(results[0][key], results[-1][key])


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("shape", [(3, 5), (300, 200), (1, 7)], ids=str)
def test_softmax_matches_reference(shape, axis, dtype):
    """Row-wise loops on the moved-axis view, with NaN rows, against the NumPy reference."""
    rng = np.random.default_rng(11)
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    x[0, 0] = np.nan if x.shape[0] > 2 else x[0, 0]
    g = rng.standard_normal(shape).astype(dtype)
    y = fastact.softmax(x, axis=axis, backend="cython")
    assert_close(y, fastact.softmax(x, axis=axis, backend="numpy"), atol_subnormal=4)
    assert_close(fastact.softmax_backward(g, y, axis=axis, backend="cython"),
                 fastact.softmax_backward(g, y, axis=axis, backend="numpy"), ulps=8, atol_eps=4)


@pytest.mark.parametrize("case", C_CASES, ids=case_id)
def test_every_instruction_set_is_accurate(case, dtype):
    """The loops of each instruction set this CPU runs (not only the widest, which the rest of
    the suite uses) are within 4 ULP over the whole range."""
    from test_accuracy import sweep

    name, params = case
    x = sweep(dtype)
    zeros = DERIVATIVE_ZEROS.get(name, 0) if dtype == np.float64 else 0
    chosen = _kernels.instruction_set()
    try:
        for isa in _kernels.INSTRUCTION_SETS:
            _kernels.use_instruction_set(isa)
            for suffix, slack in (("", 0), ("_derivative", zeros)):
                got = fn(name + suffix)(x, **params, backend="cython")
                want = fn(name + suffix)(x, **params, backend="numpy")
                assert_close(got, want, atol_eps=CANCELLING.get(name, 0) + slack,
                             atol_subnormal=SUBNORMAL_PRODUCTS.get(name, 0), err_msg=f"{name}{suffix} {isa}")
    finally:
        _kernels.use_instruction_set(chosen)


def test_auto_uses_cython_for_activations_with_c_kernels_and_numba_otherwise(monkeypatch):
    from fastact import _auto_backend

    calls = []
    monkeypatch.setattr(_cython_backend, "elementwise", lambda *a: calls.append("cython"))
    monkeypatch.setattr(_auto_backend, "_other", lambda: type("B", (), {
        "elementwise": staticmethod(lambda *a: calls.append("other"))}))
    fastact.relu(np.ones(3), backend="auto")
    monkeypatch.setattr(_auto_backend, "_C_KERNELS", frozenset())
    fastact.relu(np.ones(3), backend="auto")
    assert calls == ["cython", "other"]

