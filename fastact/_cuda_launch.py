"""Kernel launches with little host work, for the CUDA backend's per-call paths.

``kernel[grid, block, stream](*arrays)`` makes numba-cuda type every argument, and the backend
first wraps each operand in a ``DeviceNDArray`` (a memory pointer object, a dummy array for the
layout, a memory view at launch): tens of microseconds per array per call, more than a kernel
over a million elements runs. Here a kernel is compiled once per argument types
(``CUDADispatcher.compile``), and each launch hands ``cuda.core.launch`` the parameters as
numba-cuda itself lays them out (its ``_Kernel._prepare_args``):

- an array of ``ndim`` dimensions: meminfo (0), parent (0), size, itemsize, data pointer, the
  shape, the strides in bytes, each pointer-sized;
- a float32 / float64 scalar: ``ctypes.c_float`` / ``ctypes.c_double``; an integer: the ctypes
  integer of its numba type; a tuple: its members in order.

Under numba's CUDA simulator there is nothing to launch: :func:`launch` calls the dispatcher
with simulator arrays (:func:`fastact._cuda_arrays.Operand.view`), as before.
"""

from __future__ import annotations

import ctypes
import math
from typing import NamedTuple

import numpy as np

from fastact._kernels.cuda_loops import SIMULATED

if not SIMULATED:  # numba-cuda's own launch path (cuda.core), absent from the simulator's
    from cuda.core import LaunchConfig
    from cuda.core import launch as core_launch
    from numba.cuda import types
    from numba.cuda.cudadrv import driver
    from numba.cuda.np.numpy_support import from_dtype
    from numba.cuda.typing.typeof import typeof


class Strided(NamedTuple):
    """An array argument over device memory: ``shape`` elements ``strides`` bytes apart from
    ``ptr``, of dtype ``dtype``; ``owner`` keeps the memory alive (and makes the simulator's
    view)."""

    owner: object
    ptr: int
    shape: tuple
    strides: tuple
    dtype: np.dtype


def parameters(argtypes: tuple, values: tuple) -> list:
    """The kernel parameters of ``values`` (Strided arrays, numbers, tuples), typed
    ``argtypes`` (numba types), in numba-cuda's layout."""
    params: list = []

    def add(ty, value) -> None:
        if isinstance(ty, types.Array):
            params.extend((0, 0, math.prod(value.shape), value.dtype.itemsize, value.ptr, *value.shape,
                           *value.strides))
        elif isinstance(ty, types.BaseTuple):
            for t, v in zip(ty, value):
                add(t, v)
        elif ty == types.float32:
            params.append(ctypes.c_float(value))
        elif ty == types.float64:
            params.append(ctypes.c_double(value))
        elif isinstance(ty, types.Integer):
            params.append(getattr(ctypes, f"c_{ty}")(value))
        else:
            raise TypeError(f"no kernel parameter layout for {ty}")

    for ty, value in zip(argtypes, values):
        add(ty, value)
    return params


def _argtype(value):
    """The numba type the kernel is compiled for: C-contiguous arrays where the operand is,
    any-layout otherwise; tuples and scalars as numba types them."""
    if isinstance(value, Strided):
        return types.Array(from_dtype(value.dtype), len(value.shape), "C" if _c_contiguous(value) else "A")
    return typeof(value)


def _c_contiguous(a: Strided) -> bool:
    step = a.dtype.itemsize
    for n, s in zip(reversed(a.shape), reversed(a.strides)):
        if n != 1 and s != step:
            return False
        step *= n
    return True


def _signature(values: tuple) -> tuple:
    """What fixes the argument types: each array's dtype, rank and C-contiguity, each
    scalar's Python/NumPy type (tuples member by member)."""
    return tuple((v.dtype.char, len(v.shape), _c_contiguous(v)) if isinstance(v, Strided)
                 else tuple(map(type, v)) if isinstance(v, tuple) else type(v) for v in values)


_compiled: dict = {}
_streams: dict = {}


def launch(dispatcher, blocks: int, threads: int, stream, *values) -> None:
    """Run ``dispatcher`` (a ``cuda.jit`` kernel) on a grid of ``blocks`` × ``threads`` on
    ``stream`` (0 or a numba stream) with arguments ``values``: :class:`Strided` arrays and
    numbers / tuples of numbers."""
    if SIMULATED:
        args = [v.owner.view(v.shape, v.strides, v.ptr - v.owner.ptr) if isinstance(v, Strided) else v
                for v in values]
        dispatcher[blocks, threads, stream](*args)
        return
    key = (dispatcher, _signature(values))
    entry = _compiled.get(key)
    if entry is None:
        argtypes = tuple(map(_argtype, values))
        entry = _compiled[key] = (dispatcher.compile(argtypes), argtypes)
    kernel, argtypes = entry
    core_launch(_core_stream(stream), LaunchConfig(grid=blocks, block=threads),
                kernel.library.get_cufunc().kernel, *parameters(argtypes, values))


def _core_stream(stream):
    """The ``cuda.core`` stream of ``stream`` (0: the default stream; a numba stream)."""
    core = _streams.get(stream)
    if core is None:
        if len(_streams) > 64:
            _streams.clear()
        core = _streams[stream] = driver._to_core_stream(stream)
    return core
