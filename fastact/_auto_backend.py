"""``backend="auto"``: picks a CPU backend per call.

The rule: the cython backend for every activation it has C kernels for (but gelu, see
``_C_KERNELS``), at every size and dtype; the numba backend for the others (and for everything
where the extension module is not built); the NumPy reference where neither is installed.

Why (bench/RESULTS-cython.md, "auto rule"; 2 cores, AVX2): per-call overhead is the same
(4–8 µs at n = 1 for both), cython's serial loops are 1.0–1.4× faster than numba's from
n = 10^3 to 10^5 (sigmoid, elu; relu equal), the parallel loops are both bound by memory
bandwidth above 10^6, and cython never compiles, whereas numba's first call of each
(operation, activation, dtype, serial/parallel) loop compiles for about a second (or loads it
from the disk cache). So no size, dtype or compile state was measured where numba is faster,
and the rule needs none of them; ``import fastact`` followed by a first call imports neither
numba nor compiles anything when cython serves it.
"""

from __future__ import annotations

import importlib
import importlib.util

import numpy as np

from fastact._catalog import Activation

_fallback_module = "fastact._numba_backend" if importlib.util.find_spec("numba") else "fastact._reference"
_fallback = None

if importlib.util.find_spec("fastact._cython._kernels") is not None:
    from fastact import _cython_backend as _cython

    #: gelu's C loop computes both forms (erf and tanh) and selects, as gcc does not unswitch a
    #: body that large on the form: up to 1.3x (erf) and 1.4-2.6x (tanh) slower than numba at
    #: n = 1e3..1e5, so numba serves it.
    _C_KERNELS = frozenset(_cython._kernels.KERNELS) - {"gelu"}
else:  # the extension module was not built
    _cython = None
    _C_KERNELS = frozenset()


def _other():
    """The backend for what cython does not cover, imported on first use (numba is slow to import)."""
    global _fallback
    if _fallback is None:
        _fallback = importlib.import_module(_fallback_module)
    return _fallback


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray | None, values: tuple) -> np.ndarray:
    return (_cython if spec.name in _C_KERNELS else _other()).elementwise(spec, op, arrays, out, values)


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    return (_cython if spec.name in _C_KERNELS else _other()).param_grads(spec, g, x, values)


def softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    (_cython or _other()).softmax(x, out, axis)


def softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    (_cython or _other()).softmax_vjp(g, y, out, axis)


def __getattr__(name: str):
    """Everything cython does not implement (bias_act, log_softmax, softmin, prelu, ...) runs on
    the fallback backend."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_other(), name)
