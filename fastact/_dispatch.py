"""Backend names, the default backend, and the lookup from a name to a backend module.

A backend is a module with ``elementwise``, ``param_grads``, ``softmax`` and
``softmax_vjp`` (see :mod:`fastact._reference`, the NumPy one). Backend modules are imported
on first use, so ``import fastact`` neither imports numba nor compiles anything.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import importlib.util
from types import ModuleType
from typing import Iterator

BACKENDS = ("auto", "numba", "cython", "cuda", "numpy")
_MODULES = {"numpy": "fastact._reference", "numba": "fastact._numba_backend"}
_REQUIRES = {"numpy": "numpy", "numba": "numba"}


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot run on this machine."""


_default = "auto"
_override: contextvars.ContextVar[str | None] = contextvars.ContextVar("fastact_backend", default=None)
_loaded: dict[str, ModuleType] = {}


def _check_name(name: str) -> str:
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}; got {name!r}")
    return name


def set_backend(name: str) -> None:
    """Set the backend used when a call passes no ``backend=`` (process-wide)."""
    global _default
    if name != "auto":
        _load(_check_name(name))
    _default = name


def get_backend() -> str:
    """The backend name in force for calls that pass no ``backend=`` in this context."""
    return _override.get() or _default


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[None]:
    """Use backend ``name`` inside a ``with`` block (this thread / async context only)."""
    if name != "auto":
        _load(_check_name(name))
    token = _override.set(name)
    try:
        yield
    finally:
        _override.reset(token)


def backends() -> list[str]:
    """The backends usable here, fastest first (``"numpy"``, the reference, always last)."""
    return [name for name in ("numba", "numpy") if importlib.util.find_spec(_REQUIRES[name])]


def resolve(name: str | None) -> ModuleType:
    """The backend module for a call's ``backend=`` argument."""
    name = name or _override.get() or _default
    module = _loaded.get(name)
    return module if module is not None else _load(_check_name(name))


def _load(name: str) -> ModuleType:
    module = _loaded.get(name)
    if module is not None:
        return module
    target = backends()[0] if name == "auto" else name
    if target not in _MODULES or target not in backends():
        raise BackendUnavailableError(f"backend {name!r} is not available here; usable: {backends()}")
    module = _loaded[name] = importlib.import_module(_MODULES[target])
    return module
