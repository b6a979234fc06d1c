"""GPU arrays for the CUDA backend: what ``__cuda_array_interface__`` says about them, the
checks every call makes before it writes, zero-copy views for the kernels, outputs of the
caller's kind, and the caller's stream.

Any object that exports ``__cuda_array_interface__`` (CuPy arrays, PyTorch CUDA tensors,
numba device arrays, ...) is read and written in place, never copied to the host. New outputs
are of the input's kind where its library is installed (CuPy in, CuPy out; PyTorch in,
PyTorch out), and numba device arrays otherwise. Under numba's CUDA simulator device memory is
host memory: the interface's pointer is a host address, and the simulator's own device arrays
count as GPU arrays too.
"""

from __future__ import annotations

import ctypes
import functools
import math
from dataclasses import dataclass

import numpy as np
from numba import cuda

from fastact._cuda_launch import Strided
from fastact._kernels.cuda_loops import SIMULATED

if SIMULATED:
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)


@dataclass(frozen=True)
class Operand:
    """One GPU array argument, as its ``__cuda_array_interface__`` describes it.

    ``strides`` are in bytes (C-contiguous strides when the interface gives none);
    ``stream`` is the interface's stream handle (None when it names none).
    """

    obj: object
    ptr: int
    shape: tuple
    strides: tuple
    dtype: np.dtype
    readonly: bool
    stream: int | None

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def extent(self) -> tuple[int, int]:
        """The byte range [lo, hi) that the elements occupy."""
        lo = hi = self.ptr
        for n, s in zip(self.shape, self.strides):
            if n > 1:
                lo, hi = (lo + (n - 1) * s, hi) if s < 0 else (lo, hi + (n - 1) * s)
        return lo, hi + self.dtype.itemsize

    def order(self) -> str | None:
        """The order in which the elements are contiguous: "C" or "F" ("C" where both hold),
        None where they are not contiguous."""
        for order, dims in (("C", range(len(self.shape) - 1, -1, -1)), ("F", range(len(self.shape)))):
            expected = self.dtype.itemsize
            for d in dims:
                if self.shape[d] != 1 and self.strides[d] != expected:
                    break
                expected *= self.shape[d]
            else:
                return order
        return None

    def view(self, shape: tuple, strides: tuple, offset: int = 0):
        """A numba device array over this memory (no copy): ``shape`` elements at ``strides``
        bytes, starting ``offset`` bytes past the first element."""
        return _view(self.obj, self.ptr + offset, shape, strides, self.dtype)

    def strided(self, shape: tuple, strides: tuple, offset: int = 0) -> Strided:
        """The same as a launch argument of :mod:`fastact._cuda_launch` (no object made on the
        GPU side)."""
        return Strided(self, self.ptr + offset, shape, strides, self.dtype)

    def flat(self) -> Strided:
        """All elements as a 1-D launch argument (for an operand contiguous in some order)."""
        return Strided(self, self.ptr, (self.size,), (self.dtype.itemsize,), self.dtype)


def describe(a, name: str, function: str) -> Operand:
    """Read ``a``'s interface; raise TypeError for a dtype no kernel takes."""
    if SIMULATED and isinstance(a, FakeCUDAArray):
        host = a._ary
        desc = dict(host.__array_interface__, stream=None)
    else:
        desc = a.__cuda_array_interface__
    if desc.get("mask") is not None:
        raise TypeError(f"{function}: {name} is a masked GPU array; masks are not supported")
    dtype = np.dtype(desc["typestr"])
    shape = tuple(int(n) for n in desc["shape"])
    strides = desc.get("strides")
    if strides is None:
        strides = [s * dtype.itemsize for s in _c_strides(shape)]
    ptr, readonly = desc["data"]
    kind = dtype.kind
    if not (kind in "biu" or (kind == "f" and dtype.itemsize in (4, 8))) or not dtype.isnative:
        raise TypeError(f"{function}: {name} must be a float32 or float64 GPU array (integers and "
                        f"bools are computed in float64), got dtype {dtype}")
    return Operand(a, int(ptr or 0), shape, tuple(int(s) for s in strides), dtype, bool(readonly),
                   desc.get("stream"))


def _c_strides(shape: tuple) -> list[int]:
    """C-order strides in elements."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return strides[::-1]


def check_float(op: Operand, name: str, function: str) -> None:
    """For in-place calls: a float32/float64 array that may be written."""
    if op.dtype not in (F32, F64):
        raise TypeError(f"{function}: {name} must be float32 or float64 for an in-place call, "
                        f"got dtype {op.dtype}")
    check_writable(op, name, function)


def check_writable(op: Operand, name: str, function: str) -> None:
    if op.readonly:
        raise ValueError(f"{function}: {name} is read-only; the call needs to write it")
    if any(s == 0 and n > 1 for n, s in zip(op.shape, op.strides)):
        raise ValueError(f"{function}: {name} has a zero stride: its elements overlap")


def check_output(out: Operand, shape: tuple, dtype: np.dtype, function: str, inputs: dict) -> None:
    """``out`` has this shape and dtype, may be written, and is either one of the
    inputs (the same memory, element for element) or shares no byte range with any of them
    (views that interleave without sharing elements count as overlapping)."""
    if out.shape != shape:
        raise ValueError(f"{function}: out has shape {out.shape}, expected {shape}")
    if out.dtype != dtype:
        raise TypeError(f"{function}: out has dtype {out.dtype}, expected {dtype}")
    check_writable(out, "out", function)
    lo, hi = out.extent()
    for name, a in inputs.items():
        if out.size and a.size and not same_memory(out, a):
            a_lo, a_hi = a.extent()
            if lo < a_hi and a_lo < hi:
                raise ValueError(f"{function}: out overlaps {name} without being the same array; "
                                 f"pass {name} itself as out, or a separate array")


def same_memory(a: Operand, b: Operand) -> bool:
    return a.ptr == b.ptr and a.shape == b.shape and a.strides == b.strides


def empty_like(op: Operand, dtype: np.dtype | None = None):
    """A new, uninitialised GPU array shaped like ``op``, of the caller's kind (CuPy, PyTorch,
    else a numba device array), Fortran-ordered where ``op`` is, C-ordered otherwise."""
    dtype = op.dtype if dtype is None else dtype
    order = "F" if op.order() == "F" else "C"
    library = type(op.obj).__module__.partition(".")[0]
    if library == "cupy":
        import cupy

        return cupy.empty(op.shape, dtype, order=order)
    if library == "torch":
        import torch

        strides = _c_strides(op.shape) if order == "C" else _c_strides(op.shape[::-1])[::-1]
        return torch.empty_strided(op.shape, strides, dtype=getattr(torch, dtype.name), device=op.obj.device)
    return cuda.device_array(op.shape, dtype, order=order)


def launch_stream(operands: list[Operand]):
    """The stream to launch on: the first operand's (its interface's ``stream``), or the
    default stream. Other streams named by the operands are waited for first."""
    handles = [op.stream for op in operands if op.stream is not None]
    if not handles or SIMULATED:
        return 0
    for other in set(handles[1:]) - {handles[0]}:
        _stream(other).synchronize()
    return _stream(handles[0])


@functools.lru_cache(maxsize=64)
def _stream(handle: int):
    if handle == 1:
        return cuda.legacy_default_stream()
    if handle == 2:
        return cuda.per_thread_default_stream()
    return cuda.external_stream(handle)


def _view(owner, ptr: int, shape: tuple, strides: tuple, dtype: np.dtype):
    if SIMULATED:
        lo = sum((n - 1) * s for n, s in zip(shape, strides) if s < 0 and n > 1)
        hi = sum((n - 1) * s for n, s in zip(shape, strides) if s > 0 and n > 1) + dtype.itemsize
        buffer = (ctypes.c_char * (hi - lo)).from_address(ptr + lo)
        return FakeCUDAArray(np.ndarray(shape, dtype, buffer=buffer, offset=-lo, strides=strides))
    desc = {"shape": shape, "strides": strides, "typestr": dtype.str, "data": (ptr, False),
            "version": 3}
    return cuda.from_cuda_array_interface(desc, owner=owner, sync=False)
