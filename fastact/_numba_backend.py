"""The numba backend: parallel CPU loops, compiled on first use and cached on disk.

Loops over fewer than ``_threads.PARALLEL_MIN_SIZE`` elements run serially; larger ones on
numba's thread pool with fastact's thread count. Numba's ``workqueue`` threading layer aborts
the process when two Python threads launch parallel loops at once, so fastact asks for a
thread-safe layer (OpenMP or TBB); where only ``workqueue`` loads, one Python thread at a time
runs in parallel and the others take the serial loop.
"""

from __future__ import annotations

import os
import threading

import numba
import numpy as np

from fastact import _cpu_driver, _layout, _threads
from fastact._catalog import Activation
from fastact._kernels import cpu_loops, scalar

_FACTORIES = {
    "forward": cpu_loops.map_loop,
    "derivative": cpu_loops.map_loop,
    "vjp": cpu_loops.vjp_loop,
    "vjp_from_y": cpu_loops.vjp_loop,
    "param_vjp": cpu_loops.param_sums_loop,
}

_loops: dict = {}
_build_lock = threading.Lock()


def _loop(kind: str, name: str | None, parallel: bool):
    """The compiled loop for ``kind`` ("forward", ..., "softmax") of activation ``name``."""
    key = (kind, name, parallel)
    loop = _loops.get(key)
    if loop is None:
        with _build_lock:
            loop = _loops.get(key)
            if loop is None:
                if name is None:
                    loop = getattr(cpu_loops, f"{kind}_loop")(parallel)
                else:
                    loop = _FACTORIES[kind](getattr(scalar, f"{name}_{kind}"), parallel)
                _loops[key] = loop
    return loop


class _Pool:
    """Numba's thread pool, started with a thread-safe layer where one loads."""

    exclusive = threading.Lock()
    started = False
    thread_safe = False

    @classmethod
    def enter(cls) -> bool:
        """Prepare a parallel launch; False when another thread holds an unsafe pool."""
        if not cls.started:
            cls._start()
        if not cls.thread_safe and not cls.exclusive.acquire(blocking=False):
            return False
        wanted = min(_threads.get_num_threads(), numba.config.NUMBA_NUM_THREADS)
        if numba.get_num_threads() != wanted:
            numba.set_num_threads(wanted)
        return True

    @classmethod
    def leave(cls) -> None:
        if not cls.thread_safe:
            cls.exclusive.release()

    @classmethod
    def _start(cls) -> None:
        with _build_lock:
            if "NUMBA_THREADING_LAYER" not in os.environ:
                numba.config.THREADING_LAYER = "threadsafe"
            try:
                numba.get_num_threads()  # launches the pool
            except ValueError:  # neither OpenMP nor TBB could be loaded
                numba.config.THREADING_LAYER = "default"
                numba.get_num_threads()
            cls.thread_safe = numba.threading_layer() != "workqueue"
            cls.started = True


def _run(kind: str, name: str | None, size: int, *args) -> None:
    if size < _threads.PARALLEL_MIN_SIZE or not _threads.use_parallel(size) or not _Pool.enter():
        (_loops.get((kind, name, False)) or _loop(kind, name, False))(*args)
        return
    try:
        _loop(kind, name, True)(*args)
    finally:
        _Pool.leave()


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray, values: tuple) -> None:
    """Compute ``op`` ("forward", "derivative", "vjp" or "vjp_from_y") of ``spec`` into ``out``."""
    _cpu_driver.elementwise(_run, spec, op, arrays, out, values)


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter (deterministic, compensated), in x's dtype."""
    return _cpu_driver.param_grads(_run, spec, g, x, values)


def softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """Softmax along ``axis`` into ``out`` (which may be ``x``)."""
    if out.size == 0:
        return
    src = _layout.rows(x, axis)
    dst, pending = _layout.row_output(out, axis)
    _run("softmax", None, out.size, src, dst)
    _layout.commit_rows(out, axis, pending)


def softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = y ⊙ (g − Σ g·y) along ``axis`` into ``out`` (which may be ``g``)."""
    if out.size == 0:
        return
    src_g, src_y = _layout.rows(g, axis), _layout.rows(y, axis)
    dst, pending = _layout.row_output(out, axis)
    _run("softmax_vjp", None, out.size, src_g, src_y, dst)
    _layout.commit_rows(out, axis, pending)
