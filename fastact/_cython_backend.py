"""The cython backend: C loops compiled when the package is installed, OpenMP threads.

The formulas are those of :mod:`fastact._kernels.scalar`, written once in C
(``fastact/_cython/formulas.h``) with a branch-free exp/expm1/tanh (``vmath.h``), so that gcc
vectorizes every element-wise loop without -ffast-math; on x86-64 each loop is compiled for
AVX-512, AVX2 + FMA and the baseline, the widest one the CPU runs chosen at import (``loops.c``).
Nothing compiles at run time, so the first call is as fast as the next.

Loops over fewer than ``_threads.PARALLEL_MIN_SIZE`` elements run serially; larger ones on
fastact's thread count with OpenMP (serially where the module was built without OpenMP:
:func:`describe` says so). OpenMP teams are safe to start from several Python threads at once.
"""

from __future__ import annotations

import numpy as np

from fastact import _cpu_driver, _threads
from fastact._catalog import Activation
from fastact._cython import _kernels

_OPS = {"forward": 0, "derivative": 1, "vjp": 0, "vjp_from_y": 1}
_KERNELS = _kernels.KERNELS


def supports(spec: Activation) -> bool:
    """Whether this build has C kernels for ``spec``."""
    return spec.name in _kernels.KERNELS


def describe() -> str:
    """How the extension module was built, e.g. "OpenMP, x86-64-v3 (AVX2, FMA)"."""
    threads = "OpenMP" if _kernels.OPENMP else "serial: built without OpenMP"
    return f"{threads}, {_kernels.instruction_set()}"


def _threads_for(size: int) -> int:
    return 1 if size < _threads.PARALLEL_MIN_SIZE else _threads.get_num_threads()


def _kernel(name: str) -> int:
    kernel = _kernels.KERNELS.get(name)
    if kernel is None:
        raise NotImplementedError(f"the cython backend has no kernels for {name!r} yet; "
                                  f"use backend='numba' or 'auto'")
    return kernel


def _run(kind: str, name: str | None, size: int, *args) -> None:
    threads = _threads_for(size)
    if kind.endswith("_inplace"):  # the C loops run in place as they are: the first operand is the output
        kind, args = kind[:-len("_inplace")], (*args[:-1], args[0], args[-1])
    if kind == "forward" or kind == "derivative":
        _kernels.map_elements(_KERNELS.get(name) or _kernel(name), _OPS[kind], *args, threads)
    elif kind == "vjp" or kind == "vjp_from_y":
        _kernels.vjp_elements(_KERNELS.get(name) or _kernel(name), _OPS[kind], *args, threads)
    elif kind == "param_vjp":
        _kernels.param_sums(_kernel(name), *args, _cpu_driver.REDUCTION_BLOCK, threads)
    elif kind == "softmax":
        _kernels.softmax(*args, threads)
    else:
        _kernels.softmax_vjp(*args, threads)


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray | None, values: tuple) -> np.ndarray:
    """Compute ``op`` ("forward", "derivative", "vjp" or "vjp_from_y") of ``spec`` into ``out``
    (None: a new array) and return it.

    Operands contiguous in one memory order (the common case) go to the C loop in one call,
    whatever their shape; the others through :func:`fastact._cpu_driver.elementwise`.
    """
    kernel = _KERNELS.get(spec.name) or _kernel(spec.name)
    first = arrays[0]
    p = spec.pack(first.dtype, values)
    threads = 1 if first.size < _threads.PARALLEL_MIN_SIZE else _threads.get_num_threads()
    if op == "forward" or op == "derivative":
        result = _kernels.map_elements(kernel, _OPS[op], first, out, p, threads)
    else:
        result = _kernels.vjp_elements(kernel, _OPS[op], first, arrays[1], out, p, threads)
    if result is not None:
        return result
    return _cpu_driver.elementwise(_run, spec, op, arrays, out, values)


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter (deterministic, compensated), in x's dtype."""
    return _cpu_driver.param_grads(_run, spec, g, x, values)


def softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """Softmax along ``axis`` into ``out`` (which may be ``x``)."""
    _cpu_driver.softmax(_run, x, out, axis)


def softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = y ⊙ (g − Σ g·y) along ``axis`` into ``out`` (which may be ``g``)."""
    _cpu_driver.softmax_vjp(_run, g, y, out, axis)


def __getattr__(name: str):
    """The backend functions without C kernels yet (bias_act, prelu, log_softmax, softmin)."""
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotImplementedError(f"the cython backend has no kernels for {name} yet; use backend='numba' or 'auto'")
