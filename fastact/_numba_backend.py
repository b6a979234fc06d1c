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

from fastact import _cpu_driver, _layout, _threads
from fastact._catalog import Activation
from fastact._kernels import bias_loops, channel_loops, cpu_loops, scalar, softmax_rows

#: kind of loop → (factory, the scalar formula it is built around: ``scalar.NAME_<suffix>``)
_FACTORIES = {
    "forward": (cpu_loops.map_loop, "forward"),
    "derivative": (cpu_loops.map_loop, "derivative"),
    "vjp": (cpu_loops.vjp_loop, "vjp"),
    "vjp_from_y": (cpu_loops.vjp_loop, "vjp_from_y"),
    "forward_inplace": (cpu_loops.map_inplace_loop, "forward"),
    "derivative_inplace": (cpu_loops.map_inplace_loop, "derivative"),
    "vjp_inplace": (cpu_loops.vjp_inplace_loop, "vjp"),
    "vjp_from_y_inplace": (cpu_loops.vjp_inplace_loop, "vjp_from_y"),
    "forward_stream": (cpu_loops.map_stream_loop, "forward"),
    "derivative_stream": (cpu_loops.map_stream_loop, "derivative"),
    "vjp_stream": (cpu_loops.vjp_stream_loop, "vjp"),
    "vjp_from_y_stream": (cpu_loops.vjp_stream_loop, "vjp_from_y"),
    "param_vjp": (cpu_loops.param_sums_loop, "param_vjp"),
    "bias_forward": (bias_loops.bias_map_loop, "forward"),
    "bias_vjp": (bias_loops.bias_vjp_loop, "vjp"),
    "bias_param_vjp": (bias_loops.bias_param_sums_loop, "param_vjp"),
}

#: row-wise kind → (factory, the row formula of :mod:`fastact._kernels.softmax_rows`)
_ROW_FACTORIES = {
    **{kind: (cpu_loops.row_loop, getattr(softmax_rows, kind)) for kind in ("softmax", "softmin", "log_softmax")},
    **{kind: (cpu_loops.row_vjp_loop, getattr(softmax_rows, kind))
       for kind in ("softmax_vjp", "softmin_vjp", "log_softmax_vjp")},
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
                if kind in _ROW_FACTORIES:
                    factory, transform = _ROW_FACTORIES[kind]
                    loop = factory(transform, parallel)
                elif name is None:
                    factory = getattr(cpu_loops, f"{kind}_loop", None) or getattr(channel_loops, f"{kind}_loop")
                    loop = factory(parallel)
                else:
                    factory, formula = _FACTORIES[kind]
                    loop = factory(getattr(scalar, f"{name}_{formula}"), parallel)
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


#: Out-of-place element-wise passes over at least this many bytes (inputs and output: more than
#: the 32 MiB L3 of the machines measured) write their output with streaming stores.
STREAM_MIN_BYTES = 32 << 20
_STREAMED = frozenset(("forward", "derivative", "vjp", "vjp_from_y"))


def _run(kind: str, name: str | None, size: int, *args) -> None:
    if size < _threads.PARALLEL_MIN_SIZE or not _threads.use_parallel(size) or not _Pool.enter():
        (_loops.get((kind, name, False)) or _loop(kind, name, False))(*args)
        return
    if kind in _STREAMED and size * args[0].itemsize * (len(args) - 1) >= STREAM_MIN_BYTES:
        kind += "_stream"
    try:
        _loop(kind, name, True)(*args)
    finally:
        _Pool.leave()


def elementwise(spec: Activation, op: str, arrays: tuple, out: np.ndarray | None, values: tuple) -> np.ndarray:
    """Compute ``op`` ("forward", "derivative", "vjp" or "vjp_from_y") of ``spec`` into ``out``
    (None: a new array) and return it."""
    return _cpu_driver.elementwise(_run, spec, op, arrays, out, values)


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter (deterministic, compensated), in x's dtype."""
    return _cpu_driver.param_grads(_run, spec, g, x, values)


def softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """Softmax along ``axis`` into ``out`` (which may be ``x``)."""
    _row_wise("softmax", (x,), out, axis, columns="softmax_columns")


def softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = y ⊙ (g − Σ g·y) along ``axis`` into ``out`` (which may be ``g``)."""
    _row_wise("softmax_vjp", (g, y), out, axis, columns="softmax_columns_vjp")


def _row_wise(kind: str, arrays: tuple, out: np.ndarray, axis: int, columns: str | None = None) -> None:
    """Run the row-wise loop ``kind`` on (rows, n) rows of the moved ``axis`` (copies where the
    layout needs them), or its ``columns`` form on (outer, n, inner) views of C-contiguous
    arrays when ``axis`` is not the last (no transposed copy)."""
    if out.size == 0:
        return
    slabs = _layout.slabs(arrays, out, axis) if columns else None
    if slabs is not None:
        _run(columns, None, out.size, *slabs)
        return
    src = [_layout.rows(a, axis) for a in arrays]
    # the row loops work in place on out, after copying the first input into it
    dst, pending = _layout.row_output(out, axis, fresh=any(out is a for a in arrays[1:]))
    _run(kind, None, out.size, *src, dst)
    _layout.commit_rows(out, axis, pending)


def bias_act(spec: Activation, u: np.ndarray, theta: np.ndarray, out: np.ndarray, values: tuple, axis: int) -> None:
    """out = f(u − θ) with θ along ``axis``, in one pass."""
    if out.size == 0:
        return
    (flat_u,), flat_out, pending, shape = _layout.feature_operands((u,), out, axis)
    _run("bias_forward", spec.name, out.size, flat_u, theta, flat_out, spec.pack(out.dtype, values), *shape)
    _layout.commit(out, pending)


def bias_act_vjp(spec: Activation, g: np.ndarray, u: np.ndarray, theta: np.ndarray, du: np.ndarray,
                 values: tuple, axis: int) -> np.ndarray:
    """du = g ⊙ f′(u − θ) in one pass that also returns dθ = −Σ du over all axes but ``axis``."""
    dtheta = np.zeros((0, theta.size))
    if du.size:
        (flat_g, flat_u), flat_du, pending, shape = _layout.feature_operands((g, u), du, axis)
        block = bias_loops.rows_per_block(*shape[1:])
        dtheta = np.zeros((-(-shape[0] // block), theta.size))
        _run("bias_vjp", spec.name, du.size, flat_g, flat_u, theta, flat_du, spec.pack(du.dtype, values),
             *shape, block, dtheta)
        _layout.commit(du, pending)
    return np.array([math.fsum(column) for column in dtheta.T], dtype=du.dtype)


def bias_param_grads(spec: Activation, g: np.ndarray, u: np.ndarray, theta: np.ndarray, values: tuple,
                     axis: int) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter at x = u − θ."""
    p = spec.pack(u.dtype, values)
    (flat_g, flat_u), _, _, shape = _layout.feature_operands((g, u), g, axis)
    block = bias_loops.rows_per_block(*shape[1:])
    blocks = -(-shape[0] // block) if u.size else 0
    grads = {}
    for name, start, stop, vector in spec.learnable_slots(values):
        partial = np.zeros((blocks, stop - start))
        if blocks:
            _run("bias_param_vjp", spec.name, u.size, flat_g, flat_u, theta, p, *shape, start, block, partial)
        sums = [math.fsum(column) for column in partial.T]
        grads[name] = np.array(sums, dtype=u.dtype) if vector else u.dtype.type(sums[0])
    return grads


def log_softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """log_softmax along ``axis`` into ``out`` (which may be ``x``)."""
    _row_wise("log_softmax", (x,), out, axis)


def log_softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = g − e^y·Σ g along ``axis`` into ``out`` (which may be ``g``)."""
    _row_wise("log_softmax_vjp", (g, y), out, axis)


def softmin(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """softmin along ``axis`` into ``out`` (which may be ``x``)."""
    _row_wise("softmin", (x,), out, axis)


def softmin_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = −y ⊙ (g − Σ g·y) along ``axis`` into ``out`` (which may be ``g``)."""
    _row_wise("softmin_vjp", (g, y), out, axis)


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
