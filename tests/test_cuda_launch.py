"""fastact._cuda_launch lays kernel parameters out as numba-cuda's own launch does.

The comparison runs numba-cuda's ``_Kernel._prepare_args`` (what ``kernel[grid, block](...)``
does with each argument) on the arrays a numba device array would show it, and
``_cuda_launch.parameters`` on the same operands. It needs numba-cuda itself, not the simulator,
but no GPU: it runs in a subprocess with the simulator off.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba_cuda")

SCRIPT = r"""
import ctypes
from types import SimpleNamespace

import numpy as np
from numba.cuda import types
from numba.cuda.cudadrv.devicearray import _StridedLayoutShim, _StridedMemoryViewShim
from numba.cuda.dispatcher import _Kernel

from fastact._cuda_launch import Strided, _argtype, _c_contiguous, parameters


class DeviceArray:
    # What numba-cuda's launch reads of a numba DeviceNDArray over the same memory.
    __cuda_memory__ = True

    def __init__(self, a):
        c = _c_contiguous(a)
        self._strided_memory_view_shim = _StridedMemoryViewShim(
            ptr=a.ptr, shape=a.shape, dtype=a.dtype, size=int(np.prod(a.shape)),
            _layout=_StridedLayoutShim(strides_in_bytes=a.strides, is_contiguous_c=c, is_contiguous_f=False,
                                       is_contiguous_any=c))


def as_numba(value):
    if isinstance(value, Strided):
        return DeviceArray(value)
    return value


def plain(params):
    return [(type(p).__name__, p.value) if isinstance(p, ctypes._SimpleCData) else ("int", int(p)) for p in params]


f4, f8 = np.dtype(np.float32), np.dtype(np.float64)
values = (
    Strided(None, 0x7F0000001000, (300,), (4,), f4),
    Strided(None, 0x7F0000002000, (7, 100), (1600, 8), f8),
    Strided(None, 0x7F0000003000, (1, 2, 3, 5), (0, 120, -40, 8), f8),
    (np.float32(1.5), np.float32(-2.0), np.float32(0.25)),
    (),
    (np.float64(3.0),),
    12345,
    np.uint32(4000000000),
    np.float64(0.5),
    np.float32(-0.75),
)
argtypes = tuple(map(_argtype, values))
expected = []
fake_kernel = SimpleNamespace(extensions=[])
fake_kernel._prepare_args = lambda *args: _Kernel._prepare_args(fake_kernel, *args)
for ty, value in zip(argtypes, values):
    _Kernel._prepare_args(fake_kernel, ty, as_numba(value), 0, [], expected)
assert plain(parameters(argtypes, values)) == plain(expected), (plain(parameters(argtypes, values)), plain(expected))
assert argtypes[0] == types.Array(types.float32, 1, "C") and argtypes[1].layout == "A", argtypes[:2]
print("same layout", len(expected), "parameters")
"""


def test_parameters_match_numba_cuda():
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "same layout" in done.stdout
