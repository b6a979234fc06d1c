"""The numba backend: parallel CPU loops, compiled on first use and cached on disk.

Loops over fewer than ``_threads.PARALLEL_MIN_SIZE`` elements run serially; larger ones on
numba's thread pool with fastact's thread count. Numba's ``workqueue`` threading layer aborts
the process when two Python threads launch parallel loops at once, so fastact asks for a
thread-safe layer (OpenMP or TBB); where only ``workqueue`` loads, one Python thread at a time
runs in parallel and the others take the serial loop.

The backend functions (``elementwise``, ``softmax``, ``bias_act``, ``prelu``, ...) are those of
:mod:`fastact._cpu_driver` around this module's ``_run``.
"""

from __future__ import annotations

import os
import threading

import numba

from fastact import _cpu_driver, _threads
from fastact._kernels import bias_loops, channel_loops, cpu_loops, scalar, softmax_rows

#: element-wise kind → (factory of its serial loop, the scalar formula it is built around:
#: ``scalar.NAME_<suffix>``); :func:`cpu_loops.split_loop` makes the parallel loop around it.
_ELEMENT_FACTORIES = {
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
}

#: kind of loop → (factory(formula, parallel), the scalar formula it is built around)
_FACTORIES = {
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

#: Activations whose formula (or backward) returns its input on one branch: their in-place loops
#: go through a buffer (:func:`cpu_loops.map_inplace_buffered_loop` says why).
_INPUT_ON_A_BRANCH = frozenset(("relu", "leaky_relu", "elu", "celu", "hardtanh", "relu6", "threshold"))
#: Activations of a select or two per element: they run serially below
#: ``_threads.CHEAP_PARALLEL_MIN_SIZE`` elements.
_CHEAP = frozenset(("relu", "leaky_relu", "hardtanh", "relu6", "threshold"))
_BUFFERED = {"forward_inplace": cpu_loops.map_inplace_buffered_loop,
             "derivative_inplace": cpu_loops.map_inplace_buffered_loop,
             "vjp_inplace": cpu_loops.vjp_inplace_buffered_loop,
             "vjp_from_y_inplace": cpu_loops.vjp_inplace_buffered_loop}

_loops: dict = {}
_build_lock = threading.RLock()  # a parallel element-wise loop builds its serial loop first


def _loop(kind: str, name: str | None, parallel: bool):
    """The compiled loop for ``kind`` ("forward", ..., "softmax") of activation ``name``."""
    key = (kind, name, parallel)
    loop = _loops.get(key)
    if loop is None:
        with _build_lock:
            loop = _loops.get(key)
            if loop is None:
                _loops[key] = loop = _build(kind, name, parallel)
    return loop


def _build(kind: str, name: str | None, parallel: bool):
    if kind in _ELEMENT_FACTORIES:
        if parallel:
            return cpu_loops.split_loop(_loop(kind, name, False))
        factory, formula = _ELEMENT_FACTORIES[kind]
        if name in _INPUT_ON_A_BRANCH:
            factory = _BUFFERED.get(kind, factory)
        return factory(getattr(scalar, f"{name}_{formula}"))
    if kind in _ROW_FACTORIES:
        factory, transform = _ROW_FACTORIES[kind]
        return factory(transform, parallel)
    if name is None:
        factory = getattr(cpu_loops, f"{kind}_loop", None) or getattr(channel_loops, f"{kind}_loop")
        return factory(parallel)
    factory, formula = _FACTORIES[kind]
    return factory(getattr(scalar, f"{name}_{formula}"), parallel)


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
#: The element-wise kinds, whose last argument is the parameter tuple.
_ELEMENTWISE_KINDS = _STREAMED | {kind + "_inplace" for kind in _STREAMED}


def _formulas(kind: str, name: str | None, args: tuple) -> str | None:
    """The formulas to build ``kind``'s loop from: sigmoid's and softplus's slope-1 sets
    (``scalar.sigmoid1_*``, ``scalar.softplus1_*``) for the element-wise loops when the slope is
    1, else ``name``'s."""
    if name in ("sigmoid", "softplus") and kind in _ELEMENTWISE_KINDS and args[-1][0] == 1:
        return name + "1"
    return name


def _run(kind: str, name: str | None, size: int, *args) -> None:
    name = _formulas(kind, name, args)
    minimum = _threads.CHEAP_PARALLEL_MIN_SIZE if name in _CHEAP else _threads.PARALLEL_MIN_SIZE
    if size < minimum or not _threads.use_parallel(size) or not _Pool.enter():
        (_loops.get((kind, name, False)) or _loop(kind, name, False))(*args)
        return
    if kind in _STREAMED and size * args[0].itemsize * (len(args) - 1) >= STREAM_MIN_BYTES:
        kind += "_stream"
    try:
        _loop(kind, name, True)(*args)
    finally:
        _Pool.leave()


globals().update(_cpu_driver.bind(_run, columns=True))
