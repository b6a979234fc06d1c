"""How the peers compute each benchmark case: NumPy/SciPy, PyTorch and numexpr (JAX in
:mod:`fastact.bench.jax_peer`; CuPy and PyTorch on the GPU in :mod:`fastact.bench.gpu`).

Each peer computes in place where its library can, with as few temporaries as it can
(noted in the expression). Backward passes follow what the library itself would run:
PyTorch's autograd calls ``torch.ops.aten.*_backward`` on the tensor it saved (the output y
for sigmoid, tanh and softmax, the input x otherwise); NumPy and numexpr work from x, except
softmax (from y, as everywhere). A peer without a function has no entry.
PyTorch and numexpr run with fastact's thread count (:func:`configure_threads`); NumPy's
element-wise functions are single-threaded.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from fastact.bench.cases import Case, Runner, Workspace

#: Peer → (the module whose presence makes it usable, where it runs). A peer that runs on the
#: GPU is measured there beside fastact/cuda, under the label gpu.GPU_PEERS gives it.
PEERS = {"numpy": ("scipy", ("cpu",)), "torch": ("torch", ("cpu", "gpu")), "numexpr": ("numexpr", ("cpu",)),
         "jax": ("jax", ("cpu",)), "cupy": ("cupy", ("gpu",))}


def installed(selected: list[str] | None = None, cpu: bool = True, gpu: bool = False,
              opt_in: tuple = ()) -> list[str]:
    """Implementation labels of the peers to measure: those that run on the CPU where ``cpu``,
    those that run on the GPU (``cupy``, ``torch/cuda``) where ``gpu``. ``selected`` peers must
    be installed and have something to run there; by default every installed one that has,
    but those in ``opt_in``."""
    from fastact.bench import gpu as device

    if selected is not None:
        unknown = [p for p in selected if p not in PEERS]
        if unknown:
            raise ValueError(f"unknown peers {unknown}; known: {list(PEERS)}")
        missing = [p for p in selected if importlib.util.find_spec(PEERS[p][0]) is None]
        if missing:
            raise ValueError(f"peers {missing} are not installed")
    names = selected if selected is not None else [p for p, (module, _) in PEERS.items()
                                                   if p not in opt_in and importlib.util.find_spec(module) is not None]
    on_cpu, on_gpu, why_not = [], [], {}
    for p in names:
        where = PEERS[p][1]
        if cpu and "cpu" in where:
            on_cpu.append(p)
        if gpu and "gpu" in where:
            why_not[p] = device.peer_unusable(p)
            if why_not[p] is None:
                on_gpu.append(device.GPU_PEERS[p])
        if selected is not None and p not in on_cpu and device.GPU_PEERS.get(p) not in on_gpu:
            if why_not.get(p):
                raise ValueError(f"peer {p} cannot run on the GPU: {why_not[p]}")
            need = "the cuda backend (--backend cuda)" if "cpu" not in where else "a CPU backend"
            raise ValueError(f"peer {p} runs on the {'/'.join(where).upper()} only: measure it beside {need}")
    return on_cpu + on_gpu


def configure_threads(threads: int) -> None:
    """Give the multi-threaded peers the same number of threads as fastact (XLA, behind JAX,
    picks its own: see :mod:`fastact.bench.jax_peer`)."""
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(threads)
    if importlib.util.find_spec("numexpr") is not None:
        import numexpr

        numexpr.set_num_threads(threads)


def bind(peer: str, case: Case, ws: Workspace) -> Runner | None:
    """The runner of CPU peer ``peer`` for ``case``; None when the peer lacks the function."""
    if peer == "jax":
        from fastact.bench import jax_peer

        return jax_peer.bind(case, ws)
    return bind_table({"numpy": _numpy, "torch": torch_table, "numexpr": _numexpr}[peer](), case, ws)


def bind_table(table: dict, case: Case, ws: Workspace) -> Runner | None:
    """The runner of ``case`` from a peer's table: (function, op) → (expression, make, source),
    where ``make(x, **params)`` (forward, in place) or ``make(g, a, out, **params)`` (backward;
    ``a`` is x0 or y as ``source`` says) returns the call, or None where the parameters are
    not supported."""
    if case.elements(ws.n) == 0:
        return None
    entry = table.get((case.function, case.op))
    if entry is None:
        return None
    expression, make, source = entry
    kw = case.kwargs
    if case.op == "forward":
        call = make(ws.shaped(ws.x, case), **kw)
        if call is None:
            return None
        return Runner(call, ws.restore, expression)
    g, out = ws.shaped(ws.g, case), ws.shaped(ws.out, case)
    if source == "y":
        y = ws.output_of(case)
        call = make(g, y, out, **kw)
        reset = lambda: ws.refill_output(case)  # noqa: E731
    else:
        call = make(g, ws.shaped(ws.x0, case), out, **kw)
        reset = _nothing
    return None if call is None else Runner(call, reset, expression)


def _nothing() -> None:
    return None


# --- NumPy / SciPy -----------------------------------------------------------------------------

def _numpy() -> dict:
    from scipy.special import expit

    def sigmoid_(x, slope):
        def call():
            if slope != 1.0:
                np.multiply(x, slope, out=x)
            expit(x, out=x)
        return call

    def sigmoid_backward(g, x, out, slope):
        t = np.empty_like(x)

        def call():
            np.multiply(x, slope, out=out)
            expit(out, out=out)
            np.subtract(1, out, out=t)
            np.multiply(out, t, out=out)
            np.multiply(out, g, out=out)
            if slope != 1.0:
                np.multiply(out, slope, out=out)
        return call

    def tanh_backward(g, x, out):
        def call():
            np.tanh(x, out=out)
            np.multiply(out, out, out=out)
            np.subtract(1, out, out=out)
            np.multiply(out, g, out=out)
        return call

    def msaf_(x, r, offset):
        first, rest = float(np.atleast_1d(r)[0]), [float(v) for v in np.atleast_1d(r)[1:]]
        t = np.empty_like(x) if rest else None  # Σ over the other shifts
        u = np.empty_like(x) if len(rest) > 1 else None

        def call():
            if rest:
                np.add(x, rest[0], out=t)
                expit(t, out=t)
            for rk in rest[1:]:
                np.add(x, rk, out=u)
                expit(u, out=u)
                np.add(t, u, out=t)
            np.add(x, first, out=x)
            expit(x, out=x)
            if rest:
                np.add(x, t, out=x)
            if offset != 0.0:
                np.add(x, offset, out=x)
        return call

    def sigma_slopes_backward(g, x, out, shifts):
        t = np.empty_like(x)

        def call():
            out.fill(0)
            for rk in shifts:  # σ_k(1 − σ_k) = σ_k − σ_k²
                np.add(x, rk, out=t)
                expit(t, out=t)
                np.add(out, t, out=out)
                np.multiply(t, t, out=t)
                np.subtract(out, t, out=out)
            np.multiply(out, g, out=out)
        return call

    def sym_msaf_(x, r):
        t = np.empty_like(x)

        def call():  # σ(x + r) − σ(−x)
            np.add(x, r, out=t)
            expit(t, out=t)
            np.negative(x, out=x)
            expit(x, out=x)
            np.subtract(t, x, out=x)
        return call

    def leaky_relu_(x, negative_slope):
        return lambda: np.multiply(x, negative_slope, out=x, where=x < 0)

    def leaky_relu_backward(g, x, out, negative_slope):
        def call():
            np.multiply(g, negative_slope, out=out)
            np.copyto(out, g, where=x > 0)
        return call

    def elu_(x, alpha):
        def call():
            negative = x <= 0
            np.expm1(x, out=x, where=negative)
            if alpha != 1.0:
                np.multiply(x, alpha, out=x, where=negative)
        return call

    def elu_backward(g, x, out, alpha):
        def call():
            np.minimum(x, 0, out=out)
            np.exp(out, out=out)
            if alpha != 1.0:
                np.multiply(out, alpha, out=out)
            np.copyto(out, 1, where=x > 0)
            np.multiply(out, g, out=out)
        return call

    def softmax_backward(g, y, out):
        def call():
            np.subtract(g, np.einsum("ij,ij->i", g, y)[:, None], out=out)
            np.multiply(out, y, out=out)
        return call

    return {
        ("sigmoid", "forward"): ("expit(a·x, out=x)", sigmoid_, None),
        ("sigmoid", "backward"): ("s = expit(a·x) into out; out *= (1 − s)·g·a (1 temporary)",
                                  sigmoid_backward, "x"),
        ("tanh", "forward"): ("np.tanh(x, out=x)", lambda x: lambda: np.tanh(x, out=x), None),
        ("tanh", "backward"): ("out = g·(1 − tanh(x)²) in out", tanh_backward, "x"),
        ("msaf", "forward"): ("x = offset + Σ expit(x + r_k) (1 temporary per extra shift)", msaf_, None),
        ("msaf", "backward"): ("out = g·Σ (s_k − s_k²), s_k = expit(x + r_k) (1 temporary)",
                               lambda g, x, out, r, offset: sigma_slopes_backward(g, x, out, np.atleast_1d(r)),
                               "x"),
        ("sym_msaf", "forward"): ("x = expit(x + r) − expit(−x) (1 temporary)", sym_msaf_, None),
        ("sym_msaf", "backward"): ("out = g·Σ (s_k − s_k²) over shifts (0, r) (1 temporary)",
                                   lambda g, x, out, r: sigma_slopes_backward(g, x, out, (0.0, r)), "x"),
        ("relu", "forward"): ("np.maximum(x, 0, out=x)", lambda x: lambda: np.maximum(x, 0, out=x), None),
        ("relu", "backward"): ("np.multiply(g, x > 0, out=out) (a bool temporary)",
                               lambda g, x, out: lambda: np.multiply(g, x > 0, out=out), "x"),
        ("leaky_relu", "forward"): ("np.multiply(x, b, out=x, where=x < 0) (a bool temporary)",
                                    leaky_relu_, None),
        ("leaky_relu", "backward"): ("out = b·g; out[x > 0] = g (a bool temporary)", leaky_relu_backward, "x"),
        ("elu", "forward"): ("np.expm1(x, out=x, where=x <= 0) (a bool temporary)", elu_, None),
        ("elu", "backward"): ("out = g·(1 if x > 0 else α·exp(min(x, 0))) (a bool temporary)",
                              elu_backward, "x"),
        ("softmax", "forward"): ("x −= max; np.exp(x, out=x); x /= sum (per-row temporaries)",
                                 lambda x: softmax_rows_(np, x), None),
        ("softmax", "backward"): ("out = y·(g − Σ g·y), the sum by einsum (per-row temporary)",
                                  softmax_backward, "y"),
    }


# --- PyTorch -----------------------------------------------------------------------------------

def torch_table(tensor=None) -> dict:
    """PyTorch's calls; ``tensor`` makes a tensor over an array's memory (default
    ``torch.from_numpy``; on the GPU, ``torch.as_tensor(a, device="cuda")``)."""
    import torch
    import torch.nn.functional as F

    aten = torch.ops.aten
    t = torch.from_numpy if tensor is None else tensor

    def sigmoid_(x, slope):
        tx = t(x)
        if slope != 1.0:
            return lambda: tx.mul_(slope).sigmoid_()
        return lambda: torch.sigmoid_(tx)

    def sigmoid_backward(g, y, out, slope):
        if slope != 1.0:
            return None
        tg, ty, to = t(g), t(y), t(out)
        return lambda: aten.sigmoid_backward.grad_input(tg, ty, grad_input=to)

    def tanh_backward(g, y, out):
        tg, ty, to = t(g), t(y), t(out)
        return lambda: aten.tanh_backward.grad_input(tg, ty, grad_input=to)

    def relu_backward(g, x, out):
        tg, tx, to = t(g), t(x), t(out)
        return lambda: aten.threshold_backward.grad_input(tg, tx, 0, grad_input=to)

    def leaky_relu_backward(g, x, out, negative_slope):
        tg, tx, to = t(g), t(x), t(out)
        return lambda: aten.leaky_relu_backward.grad_input(tg, tx, negative_slope, False, grad_input=to)

    def elu_backward(g, x, out, alpha):
        tg, tx, to = t(g), t(x), t(out)
        return lambda: aten.elu_backward.grad_input(tg, alpha, 1, 1, False, tx, grad_input=to)

    def softmax_(x):
        tx = t(x)
        return lambda: aten._softmax.out(tx, -1, False, out=tx)

    def softmax_backward(g, y, out):
        tg, ty, to = t(g), t(y), t(out)
        return lambda: aten._softmax_backward_data.out(tg, ty, -1, ty.dtype, grad_input=to)

    return {
        ("sigmoid", "forward"): ("torch.sigmoid_(x)", sigmoid_, None),
        ("sigmoid", "backward"): ("aten.sigmoid_backward(g, y)", sigmoid_backward, "y"),
        ("tanh", "forward"): ("torch.tanh_(x)", lambda x: (lambda tx: lambda: torch.tanh_(tx))(t(x)), None),
        ("tanh", "backward"): ("aten.tanh_backward(g, y)", tanh_backward, "y"),
        ("relu", "forward"): ("torch.relu_(x)", lambda x: (lambda tx: lambda: torch.relu_(tx))(t(x)), None),
        ("relu", "backward"): ("aten.threshold_backward(g, x, 0)", relu_backward, "x"),
        ("leaky_relu", "forward"): ("F.leaky_relu_(x, b)",
                                    lambda x, negative_slope: (lambda tx: lambda: F.leaky_relu_(tx, negative_slope))(t(x)),
                                    None),
        ("leaky_relu", "backward"): ("aten.leaky_relu_backward(g, x, b)", leaky_relu_backward, "x"),
        ("elu", "forward"): ("F.elu_(x, α)", lambda x, alpha: (lambda tx: lambda: F.elu_(tx, alpha))(t(x)), None),
        ("elu", "backward"): ("aten.elu_backward(g, α, 1, 1, False, x)", elu_backward, "x"),
        ("softmax", "forward"): ("aten._softmax.out(x, -1, out=x)", softmax_, None),
        ("softmax", "backward"): ("aten._softmax_backward_data.out(g, y, -1)", softmax_backward, "y"),
    }


# --- numexpr -----------------------------------------------------------------------------------

def _numexpr() -> dict:
    import numexpr

    def evaluate(text: str, source: str | None):
        def make(*arrays, **params):
            expression = text.format(**{k: repr(float(v)) for k, v in params.items() if np.ndim(v) == 0},
                                     **_shift_terms(params))
            if source is None:  # forward, in place
                (x,) = arrays
                local, out = {"x": x}, x
            else:
                g, a, out = arrays
                local = {"g": g, source: a}
            return lambda: numexpr.evaluate(expression, local_dict=local, out=out)
        return make

    def sigma(z: str) -> str:
        return f"1 / (1 + exp(-({z})))"

    def sigma_slope(z: str) -> str:  # σ′(z) = e / (1 + e)², e = exp(−z)
        return f"exp(-({z})) / (1 + exp(-({z})))**2"

    entries = {
        ("sigmoid", "forward"): (sigma("{slope} * x"), None),
        ("sigmoid", "backward"): ("g * {slope} * y * (1 - y)", "y"),
        ("tanh", "forward"): ("tanh(x)", None),
        ("tanh", "backward"): ("g * (1 - y * y)", "y"),
        ("msaf", "forward"): ("{offset} + {sigma_sum}", None),
        ("msaf", "backward"): ("g * ({sigma_slope_sum})", "x"),
        ("sym_msaf", "forward"): (sigma("x + {r}") + " - " + sigma("-x"), None),
        ("sym_msaf", "backward"): ("g * (" + sigma_slope("x") + " + " + sigma_slope("x + {r}") + ")", "x"),
        ("relu", "forward"): ("where(x > 0, x, 0)", None),
        ("relu", "backward"): ("where(x > 0, g, 0)", "x"),
        ("leaky_relu", "forward"): ("where(x > 0, x, {negative_slope} * x)", None),
        ("leaky_relu", "backward"): ("where(x > 0, g, {negative_slope} * g)", "x"),
        ("elu", "forward"): ("where(x > 0, x, {alpha} * expm1(x))", None),
        ("elu", "backward"): ("where(x > 0, g, g * {alpha} * exp(x))", "x"),
    }
    table = {}
    for key, (text, source) in entries.items():
        table[key] = (f"numexpr.evaluate({text!r})", evaluate(text, source), source)
    return table


def softmax_rows_(xp, x):
    """The call x ← softmax of x's rows, in place, by the ufuncs of array module ``xp`` (NumPy or
    CuPy): x − max, exp, ÷ sum (what ``scipy.special.softmax`` does out of place)."""
    def call():
        xp.subtract(x, x.max(axis=-1, keepdims=True), out=x)
        xp.exp(x, out=x)
        xp.divide(x, x.sum(axis=-1, keepdims=True), out=x)
    return call


def _shift_terms(params: dict) -> dict:
    """MSAF's sums over its shifts r_k, written out for numexpr."""
    if "r" not in params or np.ndim(params["r"]) == 0:
        return {}
    shifts = [float(v) for v in np.atleast_1d(params["r"])]
    return {
        "sigma_sum": " + ".join(f"1 / (1 + exp(-(x + {r!r})))" for r in shifts),
        "sigma_slope_sum": " + ".join(f"exp(-(x + {r!r})) / (1 + exp(-(x + {r!r})))**2" for r in shifts),
    }
