"""Backend names, the default backend, and the lookup from a name to a backend module.

A backend is a module with ``elementwise``, ``param_grads``, ``softmax`` and
``softmax_vjp`` (see :mod:`fastact._reference`, the NumPy one); ``"auto"`` is the module
:mod:`fastact._auto_backend`, which picks one per call. Backend modules are imported on first
use, so ``import fastact`` neither imports numba nor compiles anything.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import importlib.util
from types import ModuleType
from typing import Callable, Iterator


@functools.cache
def _cuda_usable() -> bool:
    """numba-cuda is installed and a GPU with its driver answers (or numba's CUDA simulator is
    on: ``NUMBA_ENABLE_CUDASIM=1`` before numba.cuda is first imported). Imports numba.cuda."""
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:  # numba-cuda missing or broken, no driver library: no GPU to use
        return False


#: name → (module, probe): the probe says, without importing the module, whether it can run.
_BACKENDS: dict[str, tuple[str, Callable[[], bool]]] = {
    "auto": ("fastact._auto_backend", lambda: True),
    "numba": ("fastact._numba_backend", lambda: importlib.util.find_spec("numba") is not None),
    "cython": ("fastact._cython_backend",
               lambda: importlib.util.find_spec("fastact._cython._kernels") is not None),
    "cuda": ("fastact._cuda_backend", _cuda_usable),
    "numpy": ("fastact._reference", lambda: True),
}
BACKENDS = ("auto", "numba", "cython", "cuda", "numpy")


#: What an unavailable backend needs, for the error message.
_NEEDS = {"cuda": "numba-cuda (pip install 'fastact[cuda]'), an NVIDIA GPU and its driver"}


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot run on this machine."""


_default = "auto"
_override: contextvars.ContextVar[str | None] = contextvars.ContextVar("fastact_backend", default=None)
_loaded: dict[str, ModuleType] = {}


def set_backend(name: str) -> None:
    """Set the backend used when a call passes no ``backend=`` (process-wide)."""
    global _default
    _load(name)
    _default = name


def get_backend() -> str:
    """The backend name in force for calls that pass no ``backend=`` in this context."""
    return _override.get() or _default


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[None]:
    """Use backend ``name`` inside a ``with`` block (this thread / async context only)."""
    _load(name)
    token = _override.set(name)
    try:
        yield
    finally:
        _override.reset(token)


def backends() -> list[str]:
    """The backends usable here, besides ``"auto"``; ``"numpy"`` (the reference) is last."""
    return [name for name in BACKENDS if name != "auto" and name in _BACKENDS and _BACKENDS[name][1]()]


def resolve(name: str | None) -> ModuleType:
    """The backend module for a call's ``backend=`` argument."""
    module = _loaded.get(name or _override.get() or _default)
    return module if module is not None else _load(name or _override.get() or _default)


def resolve_device(name: str | None, function: str) -> ModuleType:
    """The CUDA backend, for a call on GPU arrays with ``backend=name`` ("auto" or "cuda")."""
    name = name or _override.get() or _default
    if name not in ("auto", "cuda"):
        _load(name)  # an unknown name is a ValueError first
        raise TypeError(f"{function}: got a GPU array, but backend {name!r} computes on the CPU; "
                        f"use backend='cuda' or 'auto', or copy the array to the host")
    return _load("cuda")


def _load(name: str) -> ModuleType:
    module = _loaded.get(name)
    if module is not None:
        return module
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}; got {name!r}")
    if name != "auto" and not (name in _BACKENDS and _BACKENDS[name][1]()):  # this probe only
        needs = f" (it needs {_NEEDS[name]})" if name in _NEEDS else ""
        raise BackendUnavailableError(f"backend {name!r} is not available here{needs}; usable: {backends()}")
    module = _loaded[name] = importlib.import_module(_BACKENDS[name][0])
    return module
