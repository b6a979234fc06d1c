"""Benchmark cases on an NVIDIA GPU: fastact's ``cuda`` backend beside CuPy and PyTorch CUDA.

A GPU implementation is measured on device-resident arrays (:class:`DeviceWorkspace`: CuPy
arrays where CuPy is installed, numba device arrays otherwise), never on host arrays that
would be copied to the GPU and back. Kernels launch asynchronously, so every timed call and
every untimed reset ends with a device synchronize (``numba.cuda.synchronize()``: the whole
primary context that numba, CuPy and PyTorch share) before the clock is read; a call's time
includes its launch overhead, as a CPU call's includes its dispatch. The probe beside the GPU
cases is a device-to-device copy x ← x0 of the same size and dtype (2 streams), in the same
rounds.

CuPy runs its own element-wise expressions: ufuncs in place (``cp.maximum``, ``cp.tanh``,
``cupyx.scipy.special.expit``), softmax as the in-place ufunc sequence that
``cupyx.scipy.special.softmax`` runs out of place, and backward passes from y as one
``cp.ElementwiseKernel`` each (relu's from x). PyTorch CUDA runs the same ``aten`` calls as
the CPU peer (:func:`fastact.bench.peers.torch_table`) on zero-copy tensors over the same memory.
Nothing here imports CuPy unless a GPU implementation is measured and CuPy is installed.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from fastact.bench.cases import Case, Runner, Workspace

#: Peer → its implementation label on the GPU.
GPU_PEERS = {"cupy": "cupy", "torch": "torch/cuda"}
IMPLEMENTATIONS = ("fastact/cuda", *GPU_PEERS.values())


def on_gpu(implementation: str) -> bool:
    """Whether ``implementation`` runs on the GPU."""
    return implementation in IMPLEMENTATIONS


def _simulated() -> bool:
    return os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


def _cupy():
    """CuPy, where it is installed and the GPU is real (not numba's simulator); else None."""
    if _simulated() or importlib.util.find_spec("cupy") is None:
        return None
    import cupy

    return cupy


def synchronize() -> None:
    """Wait for every kernel and copy queued on the GPU."""
    from numba import cuda

    cuda.synchronize()


def peer_unusable(peer: str) -> str | None:
    """Why ``peer`` (a key of GPU_PEERS) cannot run on the GPU here; None when it can."""
    if _simulated():
        return "numba's CUDA simulator is on (no real GPU for the peers)"
    if peer == "cupy":
        import cupy

        return None if cupy.is_available() else "CuPy finds no GPU"
    import torch

    return None if torch.cuda.is_available() else f"PyTorch {torch.__version__} has no CUDA here"


def usable_peers() -> tuple:
    """(torch, cupy): each module where it is installed and can run on the GPU here, else None."""
    return tuple(importlib.import_module(peer) if importlib.util.find_spec(peer) is not None
                 and peer_unusable(peer) is None else None for peer in ("torch", "cupy"))


def describe() -> dict:
    """The GPU and the kind of arrays the GPU cases use."""
    from numba import cuda

    name = "numba's CUDA simulator" if _simulated() else cuda.get_current_device().name
    return {"name": name.decode() if isinstance(name, bytes) else name, "simulated": _simulated(),
            "arrays": "CuPy arrays" if _cupy() is not None else "numba device arrays"}


class DeviceWorkspace(Workspace):
    """A :class:`~fastact.bench.cases.Workspace` whose arrays live on the GPU (the same values)."""

    def __init__(self, n: int, dtype, seed: int = 0):
        self._cp = _cupy()
        super().__init__(n, dtype, seed)

    def _place(self, a: np.ndarray):
        if self._cp is not None:
            return self._cp.asarray(a)
        from numba import cuda

        return cuda.to_device(a)

    def to_host(self, a) -> np.ndarray:
        return self._cp.asnumpy(a) if self._cp is not None else a.copy_to_host()

    def restore(self) -> None:
        """x ← x0, a device-to-device copy, synchronized."""
        if self._cp is not None:
            self._cp.copyto(self.x, self.x0)
        else:
            self.x.copy_to_device(self.x0)
        synchronize()

    def probe(self, op: str) -> Runner:
        """The device-to-device copy x ← x0 (2 streams), synchronized."""
        return Runner(self.restore, _nothing, "device-to-device copy x ← x0")


def bind(implementation: str, case: Case, ws: DeviceWorkspace) -> Runner | None:
    """The runner of a GPU implementation for ``case`` on ``ws``, each call and reset followed
    by a device synchronize; None when the implementation lacks the function."""
    from fastact.bench import cases, peers

    if implementation == "fastact/cuda":
        runner = cases.bind_fastact("cuda", case, ws)
    elif implementation == "cupy":
        runner = peers.bind_table(_cupy_table(), case, ws)
    else:
        import torch

        runner = peers.bind_table(peers.torch_table(lambda a: torch.as_tensor(a, device="cuda")), case, ws)
    if runner is None:
        return None
    call, reset = runner.call, runner.reset

    def synchronized_call() -> None:
        call()
        synchronize()

    def synchronized_reset() -> None:
        reset()
        synchronize()

    return Runner(synchronized_call, synchronized_reset, runner.expression, runner.result)


def _nothing() -> None:
    return None


def _cupy_table() -> dict:
    """CuPy's expressions, in :func:`fastact.bench.peers.bind_table`'s format."""
    import cupy as cp

    from fastact.bench import peers
    from cupyx.scipy.special import expit

    sigmoid_grad = cp.ElementwiseKernel("T g, T y", "T out", "out = g * y * (1 - y)", "bench_sigmoid_backward")
    tanh_grad = cp.ElementwiseKernel("T g, T y", "T out", "out = g * (1 - y * y)", "bench_tanh_backward")

    def softmax_backward(g, y, out):
        def call():  # out = y·(g − Σ g·y)
            cp.multiply(g, y, out=out)
            cp.subtract(g, out.sum(axis=-1, keepdims=True), out=out)
            cp.multiply(out, y, out=out)
        return call

    return {
        ("relu", "forward"): ("cp.maximum(x, 0, out=x)", lambda x: lambda: cp.maximum(x, 0, out=x), None),
        ("relu", "backward"): ("cp.multiply(g, x > 0, out=out) (a bool temporary)",
                               lambda g, x, out: lambda: cp.multiply(g, x > 0, out=out), "x"),
        ("sigmoid", "forward"): ("cupyx.scipy.special.expit(x, out=x)",
                                 lambda x, slope: (lambda: expit(x, out=x)) if slope == 1.0 else None, None),
        ("sigmoid", "backward"): ("ElementwiseKernel: out = g·y·(1 − y)",
                                  lambda g, y, out, slope: (lambda: sigmoid_grad(g, y, out)) if slope == 1.0
                                  else None, "y"),
        ("tanh", "forward"): ("cp.tanh(x, out=x)", lambda x: lambda: cp.tanh(x, out=x), None),
        ("tanh", "backward"): ("ElementwiseKernel: out = g·(1 − y²)",
                               lambda g, y, out: lambda: tanh_grad(g, y, out), "y"),
        ("softmax", "forward"): ("x −= max; cp.exp(x, out=x); x /= sum (per-row temporaries)",
                                 lambda x: peers.softmax_rows_(cp, x), None),
        ("softmax", "backward"): ("out = g·y; out = y·(g − Σ out) (per-row temporary)", softmax_backward, "y"),
    }
