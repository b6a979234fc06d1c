"""``backend="auto"``: picks a backend per call.

The rule: the numba backend for every NumPy array (it is the only compiled CPU backend so
far); the NumPy reference where numba is not installed.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from fastact._catalog import Activation

if importlib.util.find_spec("numba") is not None:
    from fastact import _numba_backend as _cpu
else:  # pragma: no cover - numba is a dependency
    from fastact import _reference as _cpu


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray, values: tuple) -> None:
    _cpu.elementwise(spec, op, arrays, out, values)


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    return _cpu.param_grads(spec, g, x, values)


def softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    _cpu.softmax(x, out, axis)


def softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    _cpu.softmax_vjp(g, y, out, axis)


def log_softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    _cpu.log_softmax(x, out, axis)


def log_softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    _cpu.log_softmax_vjp(g, y, out, axis)


def softmin(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    _cpu.softmin(x, out, axis)


def softmin_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    _cpu.softmin_vjp(g, y, out, axis)


def prelu(op: str, arrays: tuple, weight: np.ndarray, out: np.ndarray, axis: int) -> None:
    _cpu.prelu(op, arrays, weight, out, axis)


def prelu_weight_grad(g: np.ndarray, x: np.ndarray, weight: np.ndarray, axis: int) -> np.ndarray:
    return _cpu.prelu_weight_grad(g, x, weight, axis)
