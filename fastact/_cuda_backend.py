"""The CUDA backend: the kernels of :mod:`fastact._kernels.cuda_loops` on an NVIDIA GPU.

Two ways in:

- the backend interface of the CPU backends (``elementwise``, ``param_grads``, ``softmax``,
  ``softmax_vjp``, ``log_softmax``, ``log_softmax_vjp``, ``softmin``, ``softmin_vjp``,
  ``bias_act``, ``bias_act_vjp``, ``bias_param_grads``, ``prelu``, ``prelu_weight_grad``) for
  NumPy arrays (``backend="cuda"``): the operands are copied to the device, computed there
  and copied back;
- ``forward``, ``inplace``, ``backward``, ``param_grads_on_device``, ``softmax_on_device`` and
  ``softmax_backward_on_device`` (softmax, log_softmax, softmin), ``bias_act_on_device``,
  ``bias_act_backward_on_device``, ``prelu_on_device`` and ``prelu_weight_grad_on_device`` for
  GPU arrays (anything with ``__cuda_array_interface__``), which the public functions call
  when an argument is one: every check runs before anything is written, then the kernels run
  on the arrays in place, on the caller's stream, and return without waiting for the GPU.
  Sums over the array (parameter gradients, dθ of the fused neuron, PReLU's slopes' gradient)
  come back to the host as NumPy values, added in a fixed order (the same bits every run).

Kernels compile on first use, once per (operation, activation, dtype) and launch shape.
"""

from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np
from numba import cuda

from fastact import _cuda_arrays as arrays
from fastact._cuda_launch import launch
from fastact import _layout, _validate
from fastact._catalog import Activation
from fastact._cuda_arrays import F64, Operand
from fastact._kernels import cuda_feature_loops as feature_loops
from fastact._kernels import cuda_loops, cuda_rows, scalar
from fastact._kernels.cuda_loops import REDUCTION_CHUNK, REDUCTION_THREADS, WARP


@dataclass(frozen=True)
class Limits:
    """Launch geometry.

    threads: threads per block of the element-wise kernels (and rows per block × 32 for
    rows of at most 32·max_k elements). blocks: the most blocks of a grid-stride launch
    (None: as many as the work fills). max_k: row elements per lane of a warp
    that takes a row alone; longer rows take a block of up to max_group threads.
    row_cache_bytes: shared memory per block that caches rows (0: rows are read from global
    memory for each pass); 48 KiB, the most a block may hold without opting in.
    """

    threads: int = 256
    blocks: int | None = None
    max_k: int = 32
    max_group: int = 512
    row_cache_bytes: int = 48 * 1024


_limits = Limits()


@contextlib.contextmanager
def launch_limits(**changes):
    """Change the launch geometry inside a ``with`` block (process-wide; the tests use it to
    force several blocks and every softmax kernel on small arrays)."""
    global _limits
    saved = _limits
    _limits = replace(saved, **changes)
    try:
        yield
    finally:
        _limits = saved


_kernels: dict = {}
_build_lock = threading.Lock()


def _kernel(key: tuple, build):
    kernel = _kernels.get(key)
    if kernel is None:
        with _build_lock:
            kernel = _kernels.get(key)
            if kernel is None:
                kernel = _kernels[key] = build()
    return kernel


#: The most blocks of a grid (CUDA's limit on gridDim.x).
MAX_GRID = 2**31 - 1


def _blocks(work: int, per_block: int) -> int:
    """Blocks for ``work`` items at ``per_block`` items per block: every block its share, in
    as many waves as that takes. A grid capped at "one wave" of an assumed occupancy runs a
    second, partly filled wave whenever registers or shared memory allow fewer resident
    blocks than assumed (1.3 to 1.6 waves cost 2); many waves make the last one cheap. The
    kernels loop grid-stride, so ``Limits.blocks`` may cap the grid (the tests do)."""
    return max(1, min(-(-work // per_block), _limits.blocks or MAX_GRID))


def _synchronize(stream) -> None:
    if isinstance(stream, int):
        cuda.synchronize()
    else:
        stream.synchronize()


# --- element-wise -----------------------------------------------------------------------------

_FLAT = {"forward": cuda_loops.map_kernel, "derivative": cuda_loops.map_kernel,
         "vjp": cuda_loops.vjp_kernel, "vjp_from_y": cuda_loops.vjp_kernel}
_STRIDED = {"forward": cuda_loops.map_strided_kernel, "derivative": cuda_loops.map_strided_kernel,
            "vjp": cuda_loops.vjp_strided_kernel, "vjp_from_y": cuda_loops.vjp_strided_kernel}


def _launch_flat(op: str, name: str, operands: list[Operand], p: tuple, stream) -> None:
    """``op`` of activation ``name`` over operands contiguous in one order, seen as 1-D
    (inputs, then out)."""
    threads = _limits.threads
    kernel = _kernel((op, name, "flat", threads), lambda: _FLAT[op](getattr(scalar, f"{name}_{op}"), threads))
    launch(kernel, _blocks(operands[-1].size, threads * cuda_loops.UNROLL), threads, stream,
           *(a.flat() for a in operands), p)


def _launch_strided(kernel, operands: list[Operand], p: tuple, stream) -> None:
    """Run a 4-D strided kernel over operands of one shape (dimensions merged where every
    operand allows; beyond 4 dimensions, one launch per index of the leading ones)."""
    shape, strides = _merged(operands)
    lead = max(len(shape) - 4, 0)
    pad = 4 - len(shape) + lead
    inner = (1,) * pad + tuple(shape[lead:])
    threads = _limits.threads
    blocks = _blocks(math.prod(inner), threads)
    for index in np.ndindex(*shape[:lead]):
        views = [op.strided(inner, (0,) * pad + tuple(s[lead:]), sum(i * step for i, step in zip(index, s)))
                 for op, s in zip(operands, strides)]
        launch(kernel, blocks, threads, stream, *views, p)


def _merged(operands: list[Operand]) -> tuple[list[int], list[list[int]]]:
    """The common shape and each operand's strides, size-1 dimensions dropped and neighbours
    merged where every operand steps through them as one."""
    shape = operands[0].shape
    merged: list[int] = []
    strides: list[list[int]] = [[] for _ in operands]
    for d, n in enumerate(shape):
        if n == 1:
            continue
        if merged and all(s[-1] == op.strides[d] * n for s, op in zip(strides, operands)):
            merged[-1] *= n
            for s, op in zip(strides, operands):
                s[-1] = op.strides[d]
        else:
            merged.append(n)
            for s, op in zip(strides, operands):
                s.append(op.strides[d])
    return merged, strides


def _elementwise_on_device(spec: Activation, op: str, ins: list[Operand], out: Operand, p: tuple, stream) -> None:
    if out.size == 0:
        return
    orders = {a.order() for a in (*ins, out)}
    if len(orders) == 1 and None not in orders:
        _launch_flat(op, spec.name, [*ins, out], p, stream)
    else:
        kernel = _kernel((op, spec.name, "strided"), lambda: _STRIDED[op](getattr(scalar, f"{spec.name}_{op}")))
        _launch_strided(kernel, [*ins, out], p, stream)


def elementwise(spec: Activation, op: str, arrays_: tuple, out: np.ndarray | None, values: tuple) -> np.ndarray:
    """Compute ``op`` of ``spec`` on NumPy arrays: copy in, compute on the GPU, copy out (into
    ``out``, or a new array when it is None) and return the result."""
    if out is None:
        out = np.empty_like(arrays_[0])
    if out.size == 0:
        return out
    flat, flat_out, pending = _layout.flat_operands(arrays_, out)
    device_out = cuda.device_array(flat_out.shape, flat_out.dtype)
    operands = [arrays.describe(a, "x", "elementwise") for a in (*map(cuda.to_device, flat), device_out)]
    _launch_flat(op, spec.name, operands, spec.pack(out.dtype, values), 0)
    device_out.copy_to_host(flat_out)
    if pending is not None:
        np.copyto(out, pending)
    return out


# --- parameter gradients ----------------------------------------------------------------------


def _param_sums(spec: Activation, g, x, values: tuple, dtype: np.dtype, stream) -> dict:
    """Σ g·∂f/∂parameter over 1-D device arrays: per-chunk sums on the GPU (a fixed order),
    then ``math.fsum`` of the chunks on the host."""
    p = spec.pack(dtype, values)
    chunks = -(-x.size // REDUCTION_CHUNK)
    kernel = _kernel(("param_vjp", spec.name), lambda: cuda_loops.param_sums_kernel(
        getattr(scalar, f"{spec.name}_param_vjp")))
    grads = {}
    for name, start, stop, vector in spec.learnable_slots(values):
        partial = np.zeros((chunks, stop - start))
        if chunks:
            device_partial = cuda.device_array(partial.shape, np.float64)
            kernel[_blocks(chunks, 1), REDUCTION_THREADS, stream](g, x, p, start, device_partial)
            device_partial.copy_to_host(partial, stream=stream)
            _synchronize(stream)
        sums = [math.fsum(column) for column in partial.T]
        grads[name] = np.array(sums, dtype=dtype) if vector else dtype.type(sums[0])
    return grads


def param_grads(spec: Activation, g: np.ndarray, x: np.ndarray, values: tuple) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter (deterministic), in x's dtype."""
    flat_g, flat_x = _layout.flat_inputs((g, x))
    return _param_sums(spec, cuda.to_device(flat_g), cuda.to_device(flat_x), values, x.dtype, 0)


# --- softmax ----------------------------------------------------------------------------------


def _row_plan(n: int, itemsize: int, arrays_: int) -> tuple[int, int, int]:
    """(threads per row, rows per block, cached elements per row or 0) for rows of n elements
    of ``itemsize`` bytes, ``arrays_`` of them cached per row (the inputs)."""
    limits = _limits
    if n <= WARP * limits.max_k:
        group = WARP
        cap = WARP * (1 << (-(-n // WARP) - 1).bit_length())
        rows_per_block = max(1, limits.threads // WARP)
    else:
        group = min(limits.max_group, 1 << (-(-n // limits.max_k) - 1).bit_length())
        cap = 1 << (n - 1).bit_length()
        rows_per_block = 1
    fit = limits.row_cache_bytes // (cap * itemsize * arrays_)
    if fit == 0:
        return group, rows_per_block, 0
    return group, min(rows_per_block, fit), cap


def _launch_rows(kind: str, views: list, stream) -> None:
    """Row-wise ``kind`` over 2-D launch arguments (rows, n): inputs, then the output."""
    rows, n = views[-1].shape
    dtype = views[-1].dtype
    backward = kind.endswith("_vjp")
    plan = _row_plan(n, dtype.itemsize, 2 if backward else 1)
    factory = cuda_rows.backward_kernel if backward else cuda_rows.forward_kernel
    kernel = _kernel((kind, dtype.char) + plan, lambda: factory(dtype, kind, *plan))
    group, rows_per_block, _ = plan
    launch(kernel, _blocks(rows, rows_per_block), group * rows_per_block, stream, *views)


#: Threads per block of the column kernels (one thread per line: small blocks spread few
#: lines over more multiprocessors).
COLUMN_THREADS = 64


def _launch_columns(kind: str, views: list, stream) -> None:
    """``kind`` along axis 1 of 3-D launch arguments (outer, n, inner), one thread per line."""
    outer, _, inner = views[-1].shape
    dtype = views[-1].dtype
    factory = cuda_rows.columns_backward_kernel if kind.endswith("_vjp") else cuda_rows.columns_kernel
    kernel = _kernel((kind, dtype.char, "columns"), lambda: factory(dtype, kind))
    threads = min(_limits.threads, COLUMN_THREADS)
    launch(kernel, _blocks(outer * inner, threads), threads, stream, *views)


def _lines(op: Operand, axis: int):
    """(outer, n, inner) and byte strides seeing ``op`` as 3-D around ``axis``; None where the
    dimensions before or after ``axis`` cannot be merged into one."""
    shape, strides = (op.shape, op.strides) if op.shape else ((1,), (op.dtype.itemsize,))
    parts = []
    for dims in (range(axis), range(axis + 1, len(shape))):
        size, stride = 1, 0
        for d in dims:
            if shape[d] == 1:
                continue
            if size > 1 and stride != strides[d] * shape[d]:
                return None
            size, stride = size * shape[d], strides[d]
        parts.append((size, stride))
    (outer, s_outer), (inner, s_inner) = parts
    return (outer, shape[axis], inner), (s_outer, strides[axis], s_inner)


def _rows_on_device(kind: str, ins: list[Operand], out: Operand, axis: int, stream, function: str) -> None:
    if out.size == 0:
        return
    operands = [*ins, out]
    lines = [_lines(op, axis) for op in operands]
    if any(line is None for line in lines):  # through C-contiguous temporaries
        temps = [arrays.describe(cuda.device_array(op.shape, op.dtype), "temporary", function) for op in operands]
        copy = _kernel(("copy",), cuda_loops.copy_strided_kernel)
        for op, temp in zip(ins, temps):
            _launch_strided(copy, [op, temp], (), stream)
        _rows_on_device(kind, temps[:-1], temps[-1], axis, stream, function)
        _launch_strided(copy, [temps[-1], out], (), stream)
        return
    (outer, n, inner), _ = lines[0]
    if inner == 1:
        _launch_rows(kind, [op.strided((outer, n), st[:2]) for op, (_, st) in zip(operands, lines)], stream)
    else:
        _launch_columns(kind, [op.strided((outer, n, inner), st) for op, (_, st) in zip(operands, lines)], stream)


def _rows_on_host(kind: str, arrays_: tuple, out: np.ndarray, axis: int) -> None:
    """Row-wise ``kind`` along ``axis`` of NumPy arrays into ``out``: copy in, compute, copy out."""
    if out.size == 0:
        return
    dst, pending = _layout.row_output(out, axis)
    device_out = cuda.device_array(dst.shape, dst.dtype)
    views = [arrays.describe(a, "x", kind) for a in (*(cuda.to_device(_layout.rows(a, axis)) for a in arrays_),
                                                     device_out)]
    _launch_rows(kind, [v.strided(v.shape, v.strides) for v in views], 0)
    device_out.copy_to_host(dst)
    _layout.commit_rows(out, axis, pending)


def softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """Softmax along ``axis`` of a NumPy array into ``out``."""
    _rows_on_host("softmax", (x,), out, axis)


def softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = y ⊙ (g − Σ g·y) along ``axis`` of NumPy arrays into ``out``."""
    _rows_on_host("softmax_vjp", (g, y), out, axis)


def log_softmax(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """y = x − m − log Σ e^(x − m), m the maximum along ``axis``, into ``out``."""
    _rows_on_host("log_softmax", (x,), out, axis)


def log_softmax_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = g − e^y·Σ g along ``axis`` into ``out``."""
    _rows_on_host("log_softmax_vjp", (g, y), out, axis)


def softmin(x: np.ndarray, out: np.ndarray, axis: int) -> None:
    """softmax(−x) along ``axis`` into ``out``."""
    _rows_on_host("softmin", (x,), out, axis)


def softmin_vjp(g: np.ndarray, y: np.ndarray, out: np.ndarray, axis: int) -> None:
    """dL/dx = −y ⊙ (g − Σ g·y) along ``axis`` into ``out``."""
    _rows_on_host("softmin_vjp", (g, y), out, axis)


# --- GPU arrays: checks, then launches on the caller's stream ---------------------------------


def _inputs(function: str, named: list) -> list[Operand]:
    for name, a in named:
        if not _validate.on_device(a):
            others = ", ".join(n for n, _ in named if n != name)
            raise TypeError(f"{function}: {name} is a {type(a).__name__}, not a GPU array like {others}; "
                            f"pass all arrays on the GPU, or all on the host")
    return [arrays.describe(a, name, function) for name, a in named]


def _result_dtype(op: Operand) -> np.dtype:
    return F64 if op.dtype.kind in "biu" else op.dtype


def _checked_output(out, shape: tuple, dtype: np.dtype, function: str, inputs: dict) -> Operand | None:
    if out is None:
        return None
    if not _validate.on_device(out):
        raise TypeError(f"{function}: out must be a GPU array like the inputs, got {type(out).__name__}")
    op = arrays.describe(out, "out", function)
    arrays.check_output(op, shape, dtype, function, inputs)
    return op


def _as_float(op: Operand, stream, function: str) -> Operand:
    """``op`` itself when it is float32/float64; otherwise a float64 copy on the GPU."""
    if op.dtype.kind == "f":
        return op
    copy = arrays.describe(arrays.empty_like(op, F64), "x", function)
    if op.size:
        _launch_strided(_kernel(("copy",), cuda_loops.copy_strided_kernel), [op, copy], (), stream)
    return copy


def _new_output(out: Operand | None, like: Operand, function: str) -> Operand:
    return out if out is not None else arrays.describe(arrays.empty_like(like), "out", function)


def forward(spec: Activation, op: str, function: str, x, values: tuple, out):
    """``op`` ("forward" or "derivative") of GPU array ``x``, into ``out`` or a new array."""
    (xo,) = _inputs(function, [("x", x)])
    values = spec.validate(values)
    dtype = _result_dtype(xo)
    outo = _checked_output(out, xo.shape, dtype, function, {"x": xo})
    stream = arrays.launch_stream([xo] + ([outo] if outo else []))
    xo = _as_float(xo, stream, function)
    outo = _new_output(outo, xo, function)
    _elementwise_on_device(spec, op, [xo], outo, spec.pack(dtype, values), stream)
    return outo.obj


def inplace(spec: Activation, function: str, x, values: tuple):
    """x ← f(x) for a writable float GPU array ``x``; returns ``x``."""
    (xo,) = _inputs(function, [("x", x)])
    arrays.check_float(xo, "x", function)
    values = spec.validate(values)
    _elementwise_on_device(spec, "forward", [xo], xo, spec.pack(xo.dtype, values), arrays.launch_stream([xo]))
    return x


def backward(spec: Activation, function: str, grad, name: str, a, values: tuple, out):
    """grad ⊙ f′ from ``a``, the input x (``name`` "x") or the output y (``name`` "y")."""
    go, ao = _inputs(function, [("grad", grad), (name, a)])
    _validate.same_shape_and_dtype(function, ("grad", go), (name, ao))
    values = spec.validate(values)
    if name == "y":
        spec.check_from_y(values)
    dtype = _result_dtype(go)
    outo = _checked_output(out, go.shape, dtype, function, {"grad": go, name: ao})
    stream = arrays.launch_stream([go, ao] + ([outo] if outo else []))
    go, ao = _as_float(go, stream, function), _as_float(ao, stream, function)
    outo = _new_output(outo, go, function)
    _elementwise_on_device(spec, "vjp" if name == "x" else "vjp_from_y", [go, ao], outo,
                           spec.pack(dtype, values), stream)
    return outo.obj


def param_grads_on_device(spec: Activation, function: str, grad, x, values: tuple) -> dict:
    """dict: learnable parameter → Σ grad·∂f/∂parameter for GPU arrays (NumPy values)."""
    go, xo = _inputs(function, [("grad", grad), ("x", x)])
    _validate.same_shape_and_dtype(function, ("grad", go), ("x", xo))
    values = spec.validate(values)
    stream = arrays.launch_stream([go, xo])
    go, xo = _as_float(go, stream, function), _as_float(xo, stream, function)
    if go.order() is None or go.order() != xo.order():
        copy = _kernel(("copy",), cuda_loops.copy_strided_kernel)
        temps = [arrays.describe(cuda.device_array(a.shape, a.dtype), "temporary", function) for a in (go, xo)]
        for a, temp in zip((go, xo), temps):
            if a.size:
                _launch_strided(copy, [a, temp], (), stream)
        go, xo = temps
    flat = [a.view((a.size,), (a.dtype.itemsize,)) for a in (go, xo)]
    return _param_sums(spec, *flat, values, xo.dtype, stream)


def softmax_on_device(function: str, x, axis, out, in_place: bool = False, kind: str = "softmax"):
    """Row-wise ``kind`` (softmax, log_softmax or softmin) along ``axis`` of GPU array ``x``
    into ``out``, a new array, or ``x`` itself."""
    (xo,) = _inputs(function, [("x", x)])
    if in_place:
        arrays.check_float(xo, "x", function)
    axis = _validate.normalize_axis(axis, len(xo.shape), function)
    outo = xo if in_place else _checked_output(out, xo.shape, _result_dtype(xo), function, {"x": xo})
    stream = arrays.launch_stream([xo] + ([outo] if outo else []))
    xo = _as_float(xo, stream, function)
    outo = _new_output(outo, xo, function)
    _rows_on_device(kind, [xo], outo, axis, stream, function)
    return outo.obj


def softmax_backward_on_device(function: str, grad, y, axis, out, kind: str = "softmax_vjp"):
    """The backward ``kind`` along ``axis`` for GPU arrays (softmax_vjp: y ⊙ (grad − Σ grad·y);
    log_softmax_vjp, softmin_vjp)."""
    go, yo = _inputs(function, [("grad", grad), ("y", y)])
    _validate.same_shape_and_dtype(function, ("grad", go), ("y", yo))
    axis = _validate.normalize_axis(axis, len(yo.shape), function)
    outo = _checked_output(out, go.shape, _result_dtype(go), function, {"grad": go, "y": yo})
    stream = arrays.launch_stream([go, yo] + ([outo] if outo else []))
    go, yo = _as_float(go, stream, function), _as_float(yo, stream, function)
    outo = _new_output(outo, go, function)
    _rows_on_device(kind, [go, yo], outo, axis, stream, function)
    return outo.obj


# --- one value per feature: the fused neuron v = f(u − θ) and PReLU ---------------------------


def _launch_items(kernel, items: int, args: list, stream) -> None:
    """A grid-stride launch over ``items`` work items."""
    threads = _limits.threads
    kernel[_blocks(items, threads), threads, stream](*args)


def _feature_sums(partial_on_device, features: int, dtype: np.dtype, stream) -> np.ndarray:
    """Each feature's column of a reduction's partial array, added on the GPU in chunks of
    ``COLUMN_CHUNK`` rows (Neumaier-compensated, a fixed order) until one row is left, which
    comes to the host (a Python loop over the features' columns there cost milliseconds for a
    thousand features)."""
    chunk = feature_loops.COLUMN_CHUNK
    while partial_on_device.shape[0] > 1:
        reduced = cuda.device_array((-(-partial_on_device.shape[0] // chunk), features), np.float64)
        _launch_items(_kernel(("column_sums",), feature_loops.column_sums_kernel), reduced.size,
                      [partial_on_device, reduced, chunk], stream)
        partial_on_device = reduced
    partial = np.zeros((1, features))
    if partial_on_device.shape[0] and features:
        partial_on_device.copy_to_host(partial, stream=stream)
        _synchronize(stream)
    return partial[0].astype(dtype)


def _bias_map(kind: str, spec: Activation | None, u, theta, out, values: tuple, shape: tuple, stream) -> None:
    """out = f(u − θ) (``kind`` "forward") or u − θ (``kind`` "input") over flat device arrays."""
    threads = _limits.threads
    if kind == "input":
        kernel, p = _kernel(("bias_input", threads), lambda: feature_loops.bias_input_kernel(threads)), ()
    else:
        kernel = _kernel(("bias_forward", spec.name, threads),
                         lambda: feature_loops.bias_map_kernel(getattr(scalar, f"{spec.name}_forward"), threads))
        p = spec.pack(np.dtype(out.dtype), values)
    index = feature_loops.index_type(out.size)
    kernel[_blocks(out.size, threads * cuda_loops.UNROLL), threads, stream](u, theta, out, p, index(shape[1]),
                                                                           index(shape[2]))


def _bias_vjp(op: str, spec: Activation, g, a, theta, du, values: tuple, shape: tuple, stream) -> np.ndarray:
    """du = g ⊙ f′ (``op`` "vjp" from a = u, "vjp_from_y" from a = y) over flat device arrays;
    returns dθ = −Σ du per feature (deterministic)."""
    dtype = np.dtype(du.dtype)
    lanes, segment, rows, slots = feature_loops.pieces(*shape)
    factory = feature_loops.bias_vjp_kernel if op == "vjp" else feature_loops.bias_vjp_from_y_kernel
    kernel = _kernel(("bias_" + op, spec.name), lambda: factory(getattr(scalar, f"{spec.name}_{op}")))
    partial = cuda.device_array((slots, shape[1]), np.float64)
    if du.size:
        _launch_items(kernel, partial.size, [g, a, theta, du, spec.pack(dtype, values), *shape, lanes, segment,
                                             rows, partial], stream)
    return _feature_sums(partial, shape[1], dtype, stream)


def _feature_shape(shape: tuple, axis: int) -> tuple[int, int, int]:
    return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:])


def bias_act(spec: Activation, u: np.ndarray, theta: np.ndarray, out: np.ndarray, values: tuple, axis: int) -> None:
    """out = f(u − θ) with θ along ``axis``, for NumPy arrays: copy in, compute, copy out."""
    if out.size == 0:
        return
    (flat_u,), flat_out, pending, shape = _layout.feature_operands((u,), out, axis)
    device_out = cuda.device_array(flat_out.shape, flat_out.dtype)
    _bias_map("forward", spec, cuda.to_device(flat_u), cuda.to_device(theta), device_out, values, shape, 0)
    device_out.copy_to_host(flat_out)
    _layout.commit(out, pending)


def bias_act_vjp(spec: Activation, g: np.ndarray, u: np.ndarray, theta: np.ndarray, du: np.ndarray,
                 values: tuple, axis: int) -> np.ndarray:
    """du = g ⊙ f′(u − θ) in one pass that also returns dθ = −Σ du over all axes but ``axis``."""
    (flat_g, flat_u), flat_du, pending, shape = _layout.feature_operands((g, u), du, axis)
    device_du = cuda.device_array(flat_du.shape, flat_du.dtype)
    dtheta = _bias_vjp("vjp", spec, cuda.to_device(flat_g), cuda.to_device(flat_u), cuda.to_device(theta),
                       device_du, values, shape, 0)
    if du.size:
        device_du.copy_to_host(flat_du)
        _layout.commit(du, pending)
    return dtheta


def bias_param_grads(spec: Activation, g: np.ndarray, u: np.ndarray, theta: np.ndarray, values: tuple,
                     axis: int) -> dict:
    """dict: learnable parameter → Σ g·∂f/∂parameter at x = u − θ (x formed on the GPU)."""
    (flat_g, flat_u), _, _, shape = _layout.feature_operands((g, u), g, axis)
    x = cuda.device_array(flat_u.shape, flat_u.dtype)
    if x.size:
        _bias_map("input", None, cuda.to_device(flat_u), cuda.to_device(theta), x, (), shape, 0)
    return _param_sums(spec, cuda.to_device(flat_g), x, values, u.dtype, 0)


def _channel_inner(shape: tuple, weight: np.ndarray, axis: int) -> int:
    """Elements per run of one channel in C order (all of them for a single slope)."""
    return max(math.prod(shape), 1) if weight.size == 1 else math.prod(shape[axis + 1:])


def _prelu_map(op: str, ins: list, weight, inner: int, out, stream) -> None:
    """PReLU ``op`` ("forward", "derivative" or "vjp") over flat device arrays."""
    threads = _limits.threads
    factory = feature_loops.channel_vjp_kernel if op == "vjp" else feature_loops.channel_map_kernel
    kernel = _kernel(("prelu", op, threads), lambda: factory(getattr(scalar, f"prelu_{op}"), threads))
    index = feature_loops.index_type(out.size)
    kernel[_blocks(out.size, threads * cuda_loops.UNROLL), threads, stream](*ins, weight, index(inner),
                                                                           index(weight.size), out)


def _prelu_weight_sums(g, x, weight, shape: tuple, dtype: np.dtype, stream) -> np.ndarray:
    """Σ g·x over x ≤ 0 per channel of flat device arrays seen as (outer, C, inner)."""
    lanes, segment, rows, slots = feature_loops.pieces(*shape)
    kernel = _kernel(("prelu_weight_grad",), lambda: feature_loops.channel_weight_grad_kernel(scalar.prelu_weight_vjp))
    partial = cuda.device_array((slots, shape[1]), np.float64)
    if x.size:
        _launch_items(kernel, partial.size, [g, x, weight, shape[0], shape[2], lanes, segment, rows, partial], stream)
    return _feature_sums(partial, shape[1], dtype, stream)


def prelu(op: str, arrays_: tuple, weight: np.ndarray, out: np.ndarray, axis: int) -> None:
    """PReLU ``op`` ("forward", "derivative" or "vjp"; arrays (x,) or (g, x)) of NumPy arrays."""
    if out.size == 0:
        return
    flat = [cuda.to_device(np.ascontiguousarray(a).ravel()) for a in arrays_]
    pending = None if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    flat_out = (out if pending is None else pending).ravel()
    device_out = cuda.device_array(flat_out.shape, flat_out.dtype)
    _prelu_map(op, flat, cuda.to_device(weight), _channel_inner(out.shape, weight, axis), device_out, 0)
    device_out.copy_to_host(flat_out)
    _layout.commit(out, pending)


def prelu_weight_grad(g: np.ndarray, x: np.ndarray, weight: np.ndarray, axis: int) -> np.ndarray:
    """Σ g·x over x ≤ 0, per channel (deterministic, compensated), in x's dtype."""
    inner = _channel_inner(x.shape, weight, axis)
    shape = (x.size // (weight.size * inner), weight.size, inner)
    flat = [cuda.to_device(np.ascontiguousarray(a).ravel()) for a in (g, x)]
    return _prelu_weight_sums(*flat, cuda.to_device(weight), shape, x.dtype, 0)


# --- one value per feature, GPU arrays ------------------------------------------------------------


def _flat_c(op: Operand, stream, function: str):
    """A 1-D kernel argument over ``op``'s elements in C order (through a C-contiguous
    temporary where ``op`` is not C-contiguous)."""
    if op.order() != "C":
        temp = arrays.describe(cuda.device_array(op.shape, op.dtype), "temporary", function)
        if op.size:
            _launch_strided(_kernel(("copy",), cuda_loops.copy_strided_kernel), [op, temp], (), stream)
        op = temp
    return op.view((op.size,), (op.dtype.itemsize,))


def _flat_c_output(out: Operand, stream, function: str):
    """(1-D kernel argument to write, then a call that puts it into ``out``)."""
    if out.order() == "C":
        return out.view((out.size,), (out.dtype.itemsize,)), lambda: None
    temp = arrays.describe(cuda.device_array(out.shape, out.dtype), "temporary", function)
    copy = _kernel(("copy",), cuda_loops.copy_strided_kernel)
    return temp.view((temp.size,), (temp.dtype.itemsize,)), lambda: _launch_strided(copy, [temp, out], (), stream)


def _bias_operands(function: str, named: list, axis) -> tuple[list[Operand], int]:
    """The GPU operands (u or y, then theta, then grad if given) checked as the host path
    checks them: u at least 1-D, θ 1-D of u.shape[axis] in u's dtype; and the normalized axis."""
    ops = _inputs(function, named)
    u, theta = ops[0], ops[1]
    if not u.shape:
        raise ValueError(f"{function}: {named[0][0]} must have at least one dimension (the feature axis)")
    axis = _validate.normalize_axis(axis, len(u.shape), function)
    if theta.shape != (u.shape[axis],):
        raise ValueError(f"{function}: theta has shape {theta.shape}, expected ({u.shape[axis]},): "
                         f"one threshold per entry of u's axis {axis}")
    if _result_dtype(theta) != _result_dtype(u):
        raise TypeError(f"{function}: theta has dtype {theta.dtype} but u has {u.dtype}; expected the same dtype")
    for name, op in zip([n for n, _ in named[2:]], ops[2:]):
        _validate.same_shape_and_dtype(function, (named[0][0], u), (name, op))
    return ops, axis


def bias_act_on_device(spec: Activation, function: str, u, theta, values: tuple, axis, out):
    """v = f(u − θ) for GPU arrays u and θ, into ``out`` (may be u) or a new array."""
    (uo, to), axis = _bias_operands(function, [("u", u), ("theta", theta)], axis)
    dtype = _result_dtype(uo)
    outo = _checked_output(out, uo.shape, dtype, function, {"u": uo, "theta": to})
    stream = arrays.launch_stream([uo, to] + ([outo] if outo else []))
    uo, to = _as_float(uo, stream, function), _as_float(to, stream, function)
    outo = _new_output(outo, uo, function)
    if outo.size:
        target, commit = _flat_c_output(outo, stream, function)
        _bias_map("forward", spec, _flat_c(uo, stream, function), _flat_c(to, stream, function), target, values,
                  _feature_shape(uo.shape, axis), stream)
        commit()
    return outo.obj


def bias_act_backward_on_device(spec: Activation, function: str, grad, u, theta, values: tuple, axis, y):
    """(du, dθ, parameter gradients) of v = f(u − θ) for GPU arrays: du on the GPU, dθ and
    the parameter gradients (None without u) as NumPy values. From y where given."""
    named = [("u", u) if y is None else ("y", y), ("theta", theta), ("grad", grad)]
    if y is not None and u is not None:
        named.append(("u", u))
    ops, axis = _bias_operands(function, named, axis)
    if y is not None:
        spec.check_from_y(values)
    stream = arrays.launch_stream(ops)
    ao, to, go, *uo = (_as_float(op, stream, function) for op in ops)
    du = _new_output(None, go, function)
    shape = _feature_shape(go.shape, axis)
    flat_g, flat_t = _flat_c(go, stream, function), _flat_c(to, stream, function)
    target, commit = _flat_c_output(du, stream, function)
    dtheta = _bias_vjp("vjp" if y is None else "vjp_from_y", spec, flat_g, _flat_c(ao, stream, function), flat_t,
                       target, values, shape, stream)
    if du.size:
        commit()
    grads: dict | None = {}
    if spec.learnable:
        grads = None
        if u is not None:
            flat_u = _flat_c((uo or [ao])[0], stream, function)
            x = cuda.device_array(go.size, go.dtype)
            if x.size:
                _bias_map("input", None, flat_u, flat_t, x, (), shape, stream)
            grads = _param_sums(spec, flat_g, x, values, go.dtype, stream)
    return du.obj, dtheta, grads


def _host_weight(weight) -> np.ndarray:
    """PReLU's slopes on the host (a copy of a GPU array's, which are few)."""
    if not _validate.on_device(weight):
        return np.asarray(weight)
    op = arrays.describe(weight, "weight", "prelu")
    return op.view(op.shape, op.strides).copy_to_host()


def _checked_weight(weight, op: Operand, dtype: np.dtype, axis, function: str) -> tuple[np.ndarray, int]:
    """The slopes and normalized axis for GPU operand ``op``, checked as for host arrays."""
    from fastact._prelu import _weight

    like = SimpleNamespace(shape=op.shape, ndim=len(op.shape), dtype=dtype)
    return _weight(_host_weight(weight), like, axis, function)


def prelu_on_device(op: str, function: str, grad, name: str, a, weight, axis, out, in_place: bool = False):
    """PReLU ``op`` ("forward", "derivative" or "vjp" with ``grad``) of GPU array ``a`` (the
    input x, or for "vjp" the output y when every slope is positive) into ``out``, a new
    array, or ``a`` itself (``in_place``)."""
    named = ([("grad", grad)] if grad is not None else []) + [(name, a)]
    ops = _inputs(function, named)
    if grad is not None:
        _validate.same_shape_and_dtype(function, *zip([n for n, _ in named], ops))
    if in_place:
        arrays.check_float(ops[-1], name, function)
    dtype = _result_dtype(ops[-1])
    w, axis = _checked_weight(weight, ops[-1], dtype, axis, function)
    if name == "y" and not (w > 0).all():
        raise ValueError(f"{function} from y: needs every slope > 0 (y does not determine the sign of x)")
    outo = ops[-1] if in_place else _checked_output(out, ops[-1].shape, dtype, function,
                                                    dict(zip([n for n, _ in named], ops)))
    stream = arrays.launch_stream(ops + ([outo] if outo else []))
    ops = [_as_float(o, stream, function) for o in ops]
    outo = _new_output(outo, ops[-1], function)
    if outo.size:
        target, commit = _flat_c_output(outo, stream, function)
        _prelu_map(op, [_flat_c(o, stream, function) for o in ops], cuda.to_device(w, stream=stream),
                   _channel_inner(outo.shape, w, axis), target, stream)
        commit()
    return a if in_place else outo.obj


def prelu_weight_grad_on_device(function: str, grad, x, weight, axis) -> np.ndarray:
    """Σ grad·x over x ≤ 0 per channel for GPU arrays, as a NumPy array in x's dtype."""
    go, xo = _inputs(function, [("grad", grad), ("x", x)])
    _validate.same_shape_and_dtype(function, ("grad", go), ("x", xo))
    w, axis = _checked_weight(weight, xo, _result_dtype(xo), axis, function)
    stream = arrays.launch_stream([go, xo])
    go, xo = _as_float(go, stream, function), _as_float(xo, stream, function)
    inner = _channel_inner(xo.shape, w, axis)
    shape = (xo.size // (w.size * inner), w.size, inner)
    flat = [_flat_c(o, stream, function) for o in (go, xo)]
    return _prelu_weight_sums(*flat, cuda.to_device(w, stream=stream), shape, xo.dtype, stream)
