"""The table of benchmark cases, shared by ``fastact bench`` and the pytest-benchmark suite.

A case is one function and one operation:

- ``forward``: in place, x ← f(x). Reads and writes x: 2 streams of n elements.
- ``backward``: out = dL/dx = g ⊙ f′ from the incoming gradient g and the saved tensor (for
  fastact the output y where the catalogue allows it, else x): reads two arrays, writes out:
  3 streams.

The functions are every entry of :data:`fastact._catalog.ELEMENTWISE`, with its default
parameters (:data:`REQUIRED_PARAMS` supplies those without a default), and softmax over rows
of 10 and of 1,000 elements (backward from y, as ``softmax_backward`` takes it). An activation
added to the catalogue appears here by itself.

An implementation is a usable fastact backend (``fastact/numba``, ...) or an installed peer
(see :mod:`fastact.bench.peers`); :func:`bind` gives the pair (untimed reset, timed call) of
one implementation on one case, over the arrays of a :class:`Workspace`.
"""

from __future__ import annotations

import os

from dataclasses import dataclass
from typing import Callable

import numpy as np

from fastact._catalog import ELEMENTWISE

#: Parameters that have no default, chosen as the seed's f3 = msaf(x, r=(0, r1)) and f4 = sym_msaf(x, r1).
REQUIRED_PARAMS = {"msaf": {"r": (0.0, -4.0)}, "sym_msaf": {"r": -4.0}, "threshold": {"threshold": 0.0, "value": 0.0}}
SOFTMAX_ROWS = (10, 1000)
OPS = ("forward", "backward")
#: Arrays of n elements read or written per call: the bytes moved are streams·n·itemsize.
STREAMS = {"forward": 2, "backward": 3}
#: The reference backend computes in long double for the tests: it is left out unless asked for.
DEFAULT_EXCLUDED_BACKENDS = ("numpy",)


@dataclass(frozen=True)
class Case:
    """One function (``"relu"``, ..., ``"softmax"`` with ``row``) and one operation."""

    function: str
    op: str
    params: tuple = ()
    row: int | None = None

    @property
    def key(self) -> str:
        """The function's label: the activation's name, or ``softmax[ROW]``."""
        return self.function if self.row is None else f"{self.function}[{self.row}]"

    @property
    def name(self) -> str:
        return f"{self.key}.{self.op}"

    @property
    def streams(self) -> int:
        return STREAMS[self.op]

    @property
    def kwargs(self) -> dict:
        return dict(self.params)

    def elements(self, n: int) -> int:
        """How many of n elements the case uses: whole rows for softmax (0 when n < row)."""
        return n if self.row is None else n - n % self.row


def params_of(name: str) -> tuple:
    """The benchmark's parameters of a catalogue activation: defaults, plus REQUIRED_PARAMS."""
    spec = ELEMENTWISE[name]
    chosen = REQUIRED_PARAMS.get(name, {})
    values = []
    for p in spec.params:
        if p.name in chosen:
            values.append((p.name, chosen[p.name]))
        elif p.default is None:
            raise KeyError(f"bench: activation {name!r} needs a value for {p.name!r} in REQUIRED_PARAMS")
        else:
            values.append((p.name, p.default))
    return tuple(values)


def functions() -> list[str]:
    """Every function key, in table order: the catalogue, then softmax per row length."""
    return list(ELEMENTWISE) + [f"softmax[{row}]" for row in SOFTMAX_ROWS]


def cases(keys: list[str] | None = None, ops: tuple = OPS) -> list[Case]:
    """The cases for function keys ``keys`` (default: all) and operations ``ops``."""
    keys = functions() if keys is None else keys
    unknown = set(keys) - set(functions())
    if unknown:
        raise ValueError(f"unknown functions {sorted(unknown)}; known: {functions()}")
    table = []
    for key in keys:
        for op in ops:
            if key.startswith("softmax["):
                table.append(Case("softmax", op, (), int(key[len("softmax["):-1])))
            else:
                table.append(Case(key, op, params_of(key)))
    return table


class Workspace:
    """The arrays of one size and dtype, shared by every case and implementation measured there.

    ``x0`` is the pristine input (normal, mean 0, standard deviation 2, fixed seed); ``x`` the
    copy that forward cases overwrite (:meth:`restore` copies ``x0`` back before each call);
    ``g`` the incoming gradient, ``out`` backward's output and ``y`` the forward output that
    some backward passes read (filled by :meth:`output_of`). Arrays are allocated on first use,
    in host memory here; :class:`fastact.bench.gpu.DeviceWorkspace` keeps them on a GPU.
    """

    def __init__(self, n: int, dtype, seed: int = 0):
        self.n = n
        self.dtype = np.dtype(dtype)
        self._rng = np.random.default_rng(seed)
        pristine = self._rng.normal(0.0, 2.0, n).astype(self.dtype)
        self.x0 = self._place(pristine)
        self.x = self._place(pristine.copy())
        self._g = self._out = self._y = None
        self._y_holds = None

    def _place(self, a: np.ndarray):
        """Where the arrays live: host memory (``a`` itself)."""
        return a

    def to_host(self, a) -> np.ndarray:
        """``a`` (one of this workspace's arrays, or a view) as a NumPy array."""
        return a

    @property
    def g(self):
        if self._g is None:
            self._g = self._place(self._rng.normal(0.0, 1.0, self.n).astype(self.dtype))
        return self._g

    @property
    def out(self):
        if self._out is None:
            self._out = self._place(np.zeros(self.n, self.dtype))
        return self._out

    def restore(self) -> None:
        """x ← x0."""
        np.copyto(self.x, self.x0)

    def probe(self, op: str) -> Runner:
        """The bandwidth probe beside ``op``'s cases: ``x *= -1`` in place (numba), on x (forward,
        restored before each call) or on out (backward)."""
        from fastact.bench import probe

        if op == "forward":
            return Runner(lambda: probe.scale_(self.x), self.restore, "x *= -1 (numba)")
        return Runner(lambda: probe.scale_(self.out), _nothing, "x *= -1 (numba)")

    def shaped(self, a, case: Case):
        """``a`` as the case sees it: 1-D, or (rows, row) for softmax (a view)."""
        if case.row is None:
            return a
        m = case.elements(self.n)
        return a[:m].reshape(m // case.row, case.row)

    def refill_output(self, case: Case) -> None:
        """A reset: y of the case's function, recomputed if another case used the memory (returns
        None, as pytest-benchmark wants of a setup function)."""
        self.output_of(case)

    def output_of(self, case: Case):
        """y = f(x0) of the case's function, shaped as the case sees it (recomputed only when
        the previous call asked for another function), by fastact on the arrays' device."""
        import fastact

        if self._y is None:
            self._y = self._place(np.empty(self.n, self.dtype))
        y = self.shaped(self._y, case)
        if self._y_holds != case.key:
            x0 = self.shaped(self.x0, case)
            if case.row is not None:
                fastact.softmax(x0, out=y)
            else:
                getattr(fastact, case.function)(x0, **case.kwargs, out=y)
            self._y_holds = case.key
        return y


@dataclass(frozen=True)
class Runner:
    """What one implementation runs for one case: ``reset`` (untimed) before each ``call``."""

    call: Callable[[], object]
    reset: Callable[[], object]
    expression: str
    #: The output of the last call as a NumPy array, where it is not in the workspace's x or out
    #: (a functional library returns a new array); None: read the workspace.
    result: Callable[[], np.ndarray] | None = None


def _nothing() -> None:
    return None


def fastact_backends(selected: list[str] | None = None) -> list[str]:
    """The fastact backends to measure: ``selected`` (checked usable), or every usable one but
    those in DEFAULT_EXCLUDED_BACKENDS."""
    import fastact

    usable = fastact.backends()
    if selected is None:
        simulated = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"  # numba's CUDA simulator: no timings
        return [b for b in usable if b not in DEFAULT_EXCLUDED_BACKENDS and not (b == "cuda" and simulated)]
    missing = [b for b in selected if b not in usable]
    if missing:
        why = " (cuda needs numba-cuda, an NVIDIA GPU and its driver)" if "cuda" in missing else ""
        raise ValueError(f"backends {missing} are not usable here{why}; usable: {usable}")
    return list(selected)


def implementations(backends: list[str] | None = None, peers: list[str] | None = None,
                    opt_in: tuple = ()) -> list[str]:
    """Implementation labels: ``fastact/BACKEND`` for each backend, then each peer (``peers``, or
    every installed one but those in ``opt_in``), on the CPU beside fastact's CPU backends and
    on the GPU beside ``fastact/cuda``."""
    from fastact.bench import peers as peer_table

    chosen = fastact_backends(backends)
    cpu, gpu = any(b != "cuda" for b in chosen), "cuda" in chosen
    return [f"fastact/{b}" for b in chosen] + peer_table.installed(peers, cpu=cpu, gpu=gpu, opt_in=opt_in)


def workspace(implementation: str, n: int, dtype) -> Workspace:
    """The arrays ``implementation`` is measured on: on the GPU for a GPU implementation."""
    from fastact.bench import gpu

    return gpu.DeviceWorkspace(n, dtype) if gpu.on_gpu(implementation) else Workspace(n, dtype)


def bind(implementation: str, case: Case, ws: Workspace) -> Runner | None:
    """The runner of ``implementation`` for ``case`` on ``ws`` (from :func:`workspace`); None
    when it lacks the function."""
    from fastact.bench import gpu, peers

    if gpu.on_gpu(implementation):
        return gpu.bind(implementation, case, ws)
    if implementation.startswith("fastact/"):
        return bind_fastact(implementation[len("fastact/"):], case, ws)
    return peers.bind(implementation, case, ws)


def bind_fastact(backend: str, case: Case, ws: Workspace) -> Runner | None:
    """fastact's runner for ``case`` with ``backend``, on ``ws``'s arrays (host or device)."""
    import fastact

    if case.elements(ws.n) == 0:
        return None
    kw = case.kwargs
    if case.op == "forward":
        x = ws.shaped(ws.x, case)
        if case.row is not None:
            return Runner(lambda: fastact.softmax_(x, backend=backend), ws.restore, "fastact.softmax_(x)")
        inplace = getattr(fastact, case.function + "_")
        return Runner(lambda: inplace(x, **kw, backend=backend), ws.restore, f"fastact.{case.function}_(x)")
    g, out = ws.shaped(ws.g, case), ws.shaped(ws.out, case)
    if case.row is not None:
        y = ws.output_of(case)  # the same memory every time; reset refills it when another case used it
        return Runner(lambda: fastact.softmax_backward(g, y, out=out, backend=backend),
                      lambda: ws.refill_output(case), "fastact.softmax_backward(g, y, out=out)")
    backward = getattr(fastact, case.function + "_backward")
    if from_y(case):
        y = ws.output_of(case)
        return Runner(lambda: backward(g, y=y, **kw, out=out, backend=backend), lambda: ws.refill_output(case),
                      f"fastact.{case.function}_backward(g, y=y, out=out)")
    x = ws.shaped(ws.x0, case)
    return Runner(lambda: backward(g, x, **kw, out=out, backend=backend), _nothing,
                  f"fastact.{case.function}_backward(g, x, out=out)")


def from_y(case: Case) -> bool:
    """Whether fastact's backward of ``case`` reads the forward output y (where the catalogue
    allows it for the case's parameters, as PyTorch's autograd does for sigmoid and tanh), not x."""
    spec = ELEMENTWISE.get(case.function)
    return spec is not None and spec.from_y is not None and (
        spec.from_y_check is None or spec.from_y_check(dict(case.kwargs)) is None)
