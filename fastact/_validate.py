"""Argument checks shared by every public function.

Every check runs before any kernel writes, so a call that raises leaves all arrays as they
were. Messages name the function, the argument and what was expected.
"""

from __future__ import annotations

import numpy as np

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
_EXPECTED = "a float32 or float64 array (integers and bools are computed in float64)"


def on_device(a) -> bool:
    """Whether ``a`` is a GPU array: it exports ``__cuda_array_interface__`` (CuPy, PyTorch CUDA,
    numba device arrays), or is a device array of numba's CUDA simulator."""
    return not isinstance(a, np.ndarray) and (hasattr(a, "__cuda_array_interface__")
                                              or type(a).__module__.startswith("numba.cuda.simulator"))


def as_input(a, name: str, function: str) -> np.ndarray:
    """``a`` as a native float32/float64 ndarray; integers and bools become float64 copies."""
    if type(a) is np.ndarray and (a.dtype is F32 or a.dtype is F64):
        return a
    arr = np.asarray(a)
    kind = arr.dtype.kind
    if kind in "biu":
        return arr.astype(F64)
    if kind == "f" and arr.dtype.itemsize in (4, 8):
        return arr.astype(arr.dtype.newbyteorder("="), copy=False)
    raise TypeError(f"{function}: {name} must be {_EXPECTED}, got dtype {arr.dtype}")


def check_writable_float(a, name: str, function: str) -> None:
    """For in-place calls: ``a`` must be a writable, native float32/float64 ndarray."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{function}: {name} must be a NumPy array for an in-place call, "
                        f"got {type(a).__name__}")
    if a.dtype not in (F32, F64):
        raise TypeError(f"{function}: {name} must be float32 or float64 (native byte order) "
                        f"for an in-place call, got dtype {a.dtype}")
    if not a.flags.writeable:
        raise ValueError(f"{function}: {name} is read-only; an in-place call needs a writable array")


def same_shape_and_dtype(function: str, first: tuple[str, np.ndarray], second: tuple[str, np.ndarray]) -> None:
    (n1, a1), (n2, a2) = first, second
    if a1.shape != a2.shape:
        raise ValueError(f"{function}: {n1} has shape {a1.shape} but {n2} has shape {a2.shape}; "
                         f"expected the same shape")
    if a1.dtype != a2.dtype:
        raise TypeError(f"{function}: {n1} has dtype {a1.dtype} but {n2} has dtype {a2.dtype}; "
                        f"expected the same dtype")


def output(out, like: np.ndarray, function: str, inputs: dict) -> np.ndarray:
    """A new array shaped and typed like ``like``, or ``out`` once checked.

    ``out`` must match shape and dtype exactly, be writable, and either be one of the inputs
    (the same memory, element for element) or share no memory with any of them.
    """
    if out is None:
        return np.empty_like(like)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{function}: out must be a NumPy array, got {type(out).__name__}")
    if out.shape != like.shape:
        raise ValueError(f"{function}: out has shape {out.shape}, expected {like.shape}")
    if out.dtype != like.dtype:
        raise TypeError(f"{function}: out has dtype {out.dtype}, expected {like.dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{function}: out is read-only")
    for name, a in inputs.items():
        if out is not a and np.may_share_memory(out, a) and not _same_memory(out, a) \
                and np.shares_memory(out, a):
            raise ValueError(f"{function}: out overlaps {name} without being the same array; "
                             f"pass {name} itself as out, or a separate array")
    return out


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.shape == b.shape and a.strides == b.strides)


def normalize_axis(axis, ndim: int, function: str) -> int:
    """``axis`` as an index in [0, ndim); a 0-d array counts as one element along axis 0/−1."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{function}: axis must be an integer, got {type(axis).__name__}")
    size = max(ndim, 1)
    if not -size <= axis < size:
        raise np.exceptions.AxisError(f"{function}: axis {axis} is out of bounds for an array "
                                      f"of dimension {ndim}")
    return int(axis) % size
