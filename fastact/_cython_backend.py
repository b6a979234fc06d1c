"""The cython backend: C loops compiled when the package is installed, OpenMP threads.

The formulas are those of :mod:`fastact._kernels.scalar`, written once in C
(``fastact/_cython/formulas.h``) with a branch-free exp/expm1/tanh (``vmath.h``), so that gcc
vectorizes every element-wise loop without -ffast-math; on x86-64 each loop is compiled for
AVX-512, AVX2 + FMA and the baseline, the widest one the CPU runs chosen at import (``loops.c``).
Nothing compiles at run time, so the first call is as fast as the next.

Every function of the numba backend is here, with the same numerics (compensated row sums,
x − m carried into the exponential, deterministic block sums for parameter gradients, dL/dθ
and PReLU slopes): the backend functions are those of :mod:`fastact._cpu_driver` around this
module's ``_run``, which calls the entry points of ``fastact._cython._kernels``. gelu has one
kernel set per form ("gelu": erf, "gelu_tanh"), chosen by its parameter.

Loops over fewer than ``_threads.PARALLEL_MIN_SIZE`` elements run serially; larger ones on
fastact's thread count with OpenMP (serially where the module was built without OpenMP:
:func:`describe` says so). OpenMP teams are safe to start from several Python threads at once.
"""

from __future__ import annotations

import numpy as np

from fastact import _cpu_driver, _threads
from fastact._catalog import Activation
from fastact._cython import _kernels

_KERNELS = _kernels.KERNELS
_MAP_OPS = {"forward": 0, "derivative": 1}
_VJP_OPS = {"vjp": 0, "vjp_from_y": 1}
_PRELU_OPS = {"prelu_forward": 0, "prelu_derivative": 1, "prelu_vjp": 2}
_ROWS = {kind: index for index, kind in enumerate(_kernels.ROWS)}


def supports(spec: Activation) -> bool:
    """Whether this build has C kernels for ``spec``."""
    return spec.name in _KERNELS


def describe() -> str:
    """How the extension module was built, e.g. "OpenMP, x86-64-v3 (AVX2, FMA)"."""
    threads = "OpenMP" if _kernels.OPENMP else "serial: built without OpenMP"
    return f"{threads}, {_kernels.instruction_set()}"


def _threads_for(size: int) -> int:
    return 1 if size < _threads.PARALLEL_MIN_SIZE else _threads.get_num_threads()


_kernel_of: dict = {}


def _kernel(name: str, p: tuple) -> int:
    """The kernel set of activation ``name`` with parameters ``p`` (remembered: a small call
    spends a fifth of its time here otherwise)."""
    key = (name, p)
    kernel = _kernel_of.get(key)
    if kernel is None:
        if len(_kernel_of) > 1024:
            _kernel_of.clear()
        kernel = _kernel_of[key] = _choose_kernel(name, p)
    return kernel


def _choose_kernel(name: str, p: tuple) -> int:
    """gelu's by its form, msaf's by its number of shifts (the sets for 1 to 3 shifts vectorize),
    sigmoid's and softplus's slope-1 sets for slope 1 (see ``_cython/table.h``)."""
    if name == "gelu" and p[0]:
        return _KERNELS["gelu_tanh"]
    if name in ("sigmoid", "softplus") and p[0] == 1:
        return _KERNELS[name + "1"]
    if name == "msaf" and 2 <= len(p) <= 4:
        return _KERNELS[f"msaf{len(p) - 1}"]
    return _KERNELS[name]


def _run(kind: str, name: str | None, size: int, *args) -> None:
    """Run the loop ``kind`` with the numba loops' arguments (see :mod:`fastact._cpu_driver`)."""
    threads = _threads_for(size)
    if kind.endswith("_inplace"):  # the C loops run in place as they are: the first operand is the output
        kind, args = kind[:-len("_inplace")], (*args[:-1], args[0], args[-1])
    if kind in _MAP_OPS:
        _kernels.map_elements(_kernel(name, args[-1]), _MAP_OPS[kind], *args, threads)
    elif kind in _VJP_OPS:
        _kernels.vjp_elements(_kernel(name, args[-1]), _VJP_OPS[kind], *args, threads)
    elif kind == "param_vjp":
        g, x, p, first, block, partial = args
        _kernels.param_sums(_kernel(name, p), g, x, None, p, 1, first, partial, block, threads)
    elif kind == "bias_forward":
        u, theta, out, p, _, _, inner = args
        _kernels.bias_map(_kernel(name, p), u, theta, out, p, inner, threads)
    elif kind == "bias_vjp":
        g, u, theta, du, p, _, features, inner, block, dtheta = args
        _kernels.bias_vjp(_kernel(name, p), g, u, theta, du, p, inner, block * features * inner, dtheta, threads)
    elif kind == "bias_param_vjp":
        g, u, theta, p, _, features, inner, first, block, partial = args
        _kernels.param_sums(_kernel(name, p), g, u, theta, p, inner, first, partial, block * features * inner,
                            threads)
    elif kind in _PRELU_OPS:
        *arrays, weight, inner, out = args
        g, x = arrays if len(arrays) == 2 else (None, arrays[0])
        _kernels.prelu(_PRELU_OPS[kind], g, x, weight, inner, out, threads)
    elif kind == "prelu_weight_grad":
        *arrays, block, partial = args
        _kernels.prelu_weight_sums(*arrays, partial, block, threads)
    elif kind.endswith("_vjp"):
        _kernels.rows_vjp(_ROWS[kind[:-len("_vjp")]], *args, threads)
    else:
        _kernels.rows(_ROWS[kind], *args, threads)


globals().update(_cpu_driver.bind(_run))


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray | None, values: tuple) -> np.ndarray:
    """Compute ``op`` ("forward", "derivative", "vjp" or "vjp_from_y") of ``spec`` into ``out``
    (None: a new array) and return it.

    Operands contiguous in one memory order (the common case) go to the C loop in one call,
    whatever their shape; the others through :func:`fastact._cpu_driver.elementwise`.
    """
    first = arrays[0]
    p = spec.pack(first.dtype, values) if values else values
    threads = 1 if first.size < _threads.PARALLEL_MIN_SIZE else _threads.get_num_threads()
    kernel = _kernel(spec.name, p)
    if op in _MAP_OPS:
        result = _kernels.map_elements(kernel, _MAP_OPS[op], first, out, p, threads)
    else:
        result = _kernels.vjp_elements(kernel, _VJP_OPS[op], first, arrays[1], out, p, threads)
    if result is not None:
        return result
    return _cpu_driver.elementwise(_run, spec, op, arrays, out, values)
