"""Backend names, the default backend, and the lookup from a name to a backend module.

A backend is a module with ``elementwise``, ``param_grads``, ``softmax`` and
``softmax_vjp`` (see :mod:`fastact._reference`, the NumPy one); ``"auto"`` is the module
:mod:`fastact._auto_backend`, which picks one per call. Backend modules are imported on first
use, so ``import fastact`` neither imports numba nor compiles anything.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import importlib.util
from types import ModuleType
from typing import Callable, Iterator

#: name → (module, probe): the probe says, without importing the module, whether it can run.
_BACKENDS: dict[str, tuple[str, Callable[[], bool]]] = {
    "auto": ("fastact._auto_backend", lambda: True),
    "numba": ("fastact._numba_backend", lambda: importlib.util.find_spec("numba") is not None),
    "cython": ("fastact._cython_backend",
               lambda: importlib.util.find_spec("fastact._cython._kernels") is not None),
    "numpy": ("fastact._reference", lambda: True),
}
BACKENDS = ("auto", "numba", "cython", "cuda", "numpy")


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


def _load(name: str) -> ModuleType:
    module = _loaded.get(name)
    if module is not None:
        return module
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}; got {name!r}")
    if name != "auto" and not (name in _BACKENDS and _BACKENDS[name][1]()):  # this probe only
        raise BackendUnavailableError(f"backend {name!r} is not available here; usable: {backends()}")
    module = _loaded[name] = importlib.import_module(_BACKENDS[name][0])
    return module
