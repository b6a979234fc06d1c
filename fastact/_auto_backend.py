"""``backend="auto"``: picks a CPU backend per call.

The rule: the cython backend for every function it has C kernels for — every element-wise
activation (gelu in both forms included), their parameter gradients, softmax, log_softmax and
softmin (forward and backward, any axis), PReLU and the fused neuron bias_act — at every size
and dtype; the numba backend where the extension module is not built (or for an activation
without C kernels); the NumPy reference where neither is installed.

Why (measured on 2 cores, AVX2; bench/RESULTS-cython.md, "auto rule" and "functions"):
per-call overhead is the same (4–8 µs at n = 1 for both); element-wise loops are 1.0–1.4×
faster on cython from n = 10^3 to 10^5 (sigmoid, elu; relu equal); on one thread at n = 10^5
and 10^6 (float32) cython is 1.2× (erf) and 1.7× (tanh) faster for gelu, 1.25–4.7× for
log_softmax and softmin (backward 1.5–2.5×), 3–48× for PReLU (slope gradients equal), 1.0–3.1×
for bias_act, and within ±10% of numba for softmax; the one exception measured: the float64
backward passes of the softmax family, up to 2× slower at 10^6 (lane-compensated sums), kept
on cython all the same. The parallel loops are both bound by memory bandwidth above 10^6, and
cython never compiles, whereas numba's first call of each (operation, activation, dtype,
serial/parallel) loop compiles for about a second (or loads it from the disk cache). Session 6
(bench/RESULTS.md) brought numba's parallel element-wise loops near cython's speed for the
transcendental ones (0.7–1.4× cython's time at 10^5 and 10^6; the cheap passes at 10^5 still
1.6–2.5×, numba's launch cost), which does not change the rule. So the rule needs no size, dtype or compile state; ``import fastact`` followed by a first call imports
neither numba nor compiles anything when cython serves it.
"""

from __future__ import annotations

import importlib
import importlib.util

import numpy as np

from fastact._catalog import Activation

_fallback_module = "fastact._numba_backend" if importlib.util.find_spec("numba") else "fastact._reference"
_fallback = None

#: The backend functions that take no activation.
_UNIFORM = ("softmax", "softmax_vjp", "log_softmax", "log_softmax_vjp", "softmin", "softmin_vjp", "prelu",
            "prelu_weight_grad")

if importlib.util.find_spec("fastact._cython._kernels") is not None:
    from fastact import _cython_backend as _cython

    _C_KERNELS = frozenset(_cython._kernels.KERNELS)
    globals().update({name: getattr(_cython, name) for name in _UNIFORM})
else:  # the extension module was not built
    _cython = None
    _C_KERNELS = frozenset()


def _other():
    """The backend for what cython does not cover, imported on first use (numba is slow to import)."""
    global _fallback
    if _fallback is None:
        _fallback = importlib.import_module(_fallback_module)
    return _fallback


def _for(spec: Activation):
    return _cython if spec.name in _C_KERNELS else _other()


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray | None, values: tuple) -> np.ndarray:
    if spec.name in _C_KERNELS:  # spelled out: the call of _for costs a small call 10 %
        return _cython.elementwise(spec, op, arrays, out, values)
    return _other().elementwise(spec, op, arrays, out, values)


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    return _for(spec).param_grads(spec, g, x, values)


def bias_act(spec: Activation, u: np.ndarray, theta: np.ndarray, out: np.ndarray, values: tuple, axis: int) -> None:
    _for(spec).bias_act(spec, u, theta, out, values, axis)


def bias_act_vjp(spec: Activation, g: np.ndarray, u: np.ndarray, theta: np.ndarray, du: np.ndarray,
                 values: tuple, axis: int) -> np.ndarray:
    return _for(spec).bias_act_vjp(spec, g, u, theta, du, values, axis)


def bias_param_grads(spec: Activation, g: np.ndarray, u: np.ndarray, theta: np.ndarray, values: tuple,
                     axis: int) -> dict:
    return _for(spec).bias_param_grads(spec, g, u, theta, values, axis)


def __getattr__(name: str):
    """Without the extension module: the functions that take no activation, on the fallback."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_other(), name)
