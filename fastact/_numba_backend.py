"""The numba backend: parallel CPU loops, compiled on first use and cached on disk.

Loops over fewer than ``_threads.PARALLEL_MIN_SIZE`` elements run serially; larger ones on
numba's thread pool with fastact's thread count. Numba's ``workqueue`` threading layer aborts
the process when two Python threads launch parallel loops at once, so fastact asks for a
thread-safe layer (OpenMP or TBB); where only ``workqueue`` loads, one Python thread at a time
runs in parallel and the others take the serial loop.
"""

from __future__ import annotations

import math
import os
import threading

import numba
import numpy as np

from fastact import _layout, _threads
from fastact._catalog import Activation
from fastact._kernels import channel_loops, cpu_loops, scalar

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
                    factory = getattr(cpu_loops, f"{kind}_loop", None) or getattr(channel_loops, f"{kind}_loop")
                    loop = factory(parallel)
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
    if out.size == 0:
        return
    flat, flat_out, pending = _layout.flat_operands(arrays, out)
    _run(op, spec.name, out.size, *flat, flat_out, spec.pack(out.dtype, values))
    if pending is not None:
        np.copyto(out, pending)


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter (deterministic, compensated), in x's dtype."""
    p = spec.pack(x.dtype, values)
    flat_g, flat_x = _layout.flat_inputs((g, x))
    grads = {}
    blocks = -(-x.size // cpu_loops.REDUCTION_BLOCK)
    for name, start, stop, vector in spec.learnable_slots(values):
        partial = np.zeros((blocks, stop - start))
        if blocks:
            _run("param_vjp", spec.name, x.size, flat_g, flat_x, p, start, partial)
        sums = [math.fsum(column) for column in partial.T]
        grads[name] = np.array(sums, dtype=x.dtype) if vector else x.dtype.type(sums[0])
    return grads


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


def _rowwise(kind: str, inputs: tuple, out: np.ndarray, axis: int) -> None:
    """Run the row-wise loop ``kind`` on ``inputs`` moved to rows along ``axis``, into ``out``."""
    if out.size == 0:
        return
    src = [_layout.rows(a, axis) for a in inputs]
    dst, pending = _layout.row_output(out, axis)
    _run(kind, None, out.size, *src, dst)
    _layout.commit_rows(out, axis, pending)


def log_softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """log_softmax along ``axis`` into ``out`` (which may be ``x``)."""
    _rowwise("log_softmax", (x,), out, axis)


def log_softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = g − e^y·Σ g along ``axis`` into ``out`` (which may be ``g``)."""
    _rowwise("log_softmax_vjp", (g, y), out, axis)


def softmin(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """softmin along ``axis`` into ``out`` (which may be ``x``)."""
    _rowwise("softmin", (x,), out, axis)


def softmin_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = −y ⊙ (g − Σ g·y) along ``axis`` into ``out`` (which may be ``g``)."""
    _rowwise("softmin_vjp", (g, y), out, axis)


def _inner(shape: tuple, weight: np.ndarray, axis: int) -> int:
    """Elements per run of one channel in C order (all of them for a single slope)."""
    return max(math.prod(shape), 1) if weight.size == 1 else math.prod(shape[axis + 1:])


def prelu(op: str, arrays: tuple, weight: np.ndarray, out: np.ndarray, axis: int) -> None:
    """PReLU ``op`` ("forward", "derivative" or "vjp"; arrays (x,) or (g, x)) into ``out``."""
    if out.size == 0:
        return
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    pending = None if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    flat_out = (out if pending is None else pending).ravel()
    _run(f"prelu_{op}", None, out.size, *flat, weight, _inner(out.shape, weight, axis), flat_out)
    if pending is not None:
        np.copyto(out, pending)


def prelu_weight_grad(g: np.ndarray, x: np.ndarray, weight: np.ndarray, axis: int) -> np.ndarray:
    """Σ g·x over x ≤ 0, per channel (deterministic, compensated), in x's dtype."""
    blocks = -(-x.size // cpu_loops.REDUCTION_BLOCK)
    partial = np.zeros((blocks, 2 * weight.size))  # running sums, then their compensations
    if blocks:
        flat_g, flat_x = (np.ascontiguousarray(a).ravel() for a in (g, x))
        _run("prelu_weight_grad", None, x.size, flat_g, flat_x, weight, _inner(x.shape, weight, axis), partial)
    sums = partial[:, :weight.size], partial[:, weight.size:]
    return np.array([math.fsum([*s, *c]) for s, c in zip(sums[0].T, sums[1].T)], dtype=x.dtype)
