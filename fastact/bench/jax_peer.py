"""The JAX peer (on the CPU): every benchmark case JAX has a function for, forward and backward.

JAX is functional: no array is written in place. The forward case is the function jitted with
``donate_argnums=0``, so XLA may write the result into the input's buffer (it does on the
CPU, as an in-place forward would); its untimed reset makes a fresh device copy of x0 (the
donated array is gone after the call). The backward case is what JAX's autodiff runs:
``jax.vjp`` of the function at the saved input x, applied to g, jitted as one computation
(XLA fuses the recomputed forward into it); it returns a new output array. Inputs become
device arrays once, outside the timed calls, and each timed call ends in
``block_until_ready()``, so JAX's asynchronous dispatch is not mistaken for speed.

float64 cases are real float64 (``jax_enable_x64``). JAX is kept on the CPU
(``jax_platforms="cpu"``) even where it has a GPU. XLA's CPU client chooses its own threads:
the bench's ``--threads`` does not reach it (no XLA_FLAGS entry sets it; on the 2-core
development VM ten sigmoids at n = 3e7 took 1.2–1.5 CPU-seconds against 1.0–2.6 s of wall
time under varying load: about one busy thread).

Functions are matched only where JAX's definition is fastact's: ``jax.nn.leaky_relu`` and
``relu6``/``hard_tanh`` differ from fastact only in the derivative at the kink points
themselves; ``jax.nn.softplus`` has no threshold (above β·x > 20 it differs from x by less
than e⁻²⁰ relative). msaf, sym_msaf and threshold have no JAX function and no entry.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from fastact.bench.cases import Case, Runner, Workspace


def _jax():
    """JAX, configured for the bench: float64 enabled, the CPU only."""
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    return jax


def function(case: Case) -> tuple[str, Callable] | None:
    """(expression, f) with y = f(x) JAX's function for the case's activation, or None."""
    jax = _jax()
    nn, kw = jax.nn, case.kwargs
    if case.row is not None:
        return "jax.nn.softmax(x, axis=-1)", partial(nn.softmax, axis=-1)
    plain = {"relu": nn.relu, "tanh": jax.numpy.tanh, "selu": nn.selu, "silu": nn.silu, "mish": nn.mish,
             "softsign": nn.soft_sign, "relu6": nn.relu6, "hardsigmoid": nn.hard_sigmoid,
             "hardswish": nn.hard_swish, "log_sigmoid": nn.log_sigmoid}
    name = case.function
    if name in plain:
        f = plain[name]
        return f"{'jnp' if name == 'tanh' else 'jax.nn'}.{f.__name__}(x)", f
    if name == "sigmoid":
        slope = kw["slope"]
        if slope == 1.0:
            return "jax.nn.sigmoid(x)", nn.sigmoid
        return "jax.nn.sigmoid(a·x)", lambda x: nn.sigmoid(slope * x)
    if name == "leaky_relu":
        return "jax.nn.leaky_relu(x, b)", partial(nn.leaky_relu, negative_slope=kw["negative_slope"])
    if name in ("elu", "celu"):
        return f"jax.nn.{name}(x, α)", partial(getattr(nn, name), alpha=kw["alpha"])
    if name == "gelu":
        approximate = kw["approximate"] == "tanh"
        return f"jax.nn.gelu(x, approximate={approximate})", partial(nn.gelu, approximate=approximate)
    if name == "swish" and kw["beta"] == 1.0:
        return "jax.nn.swish(x)", nn.swish
    if name == "softplus" and kw["beta"] == 1.0:
        return "jax.nn.softplus(x) (no threshold)", nn.softplus
    if name == "hardtanh" and (kw["min_val"], kw["max_val"]) == (-1.0, 1.0):
        return "jax.nn.hard_tanh(x)", nn.hard_tanh
    return None


def bind(case: Case, ws: Workspace) -> Runner | None:
    """The JAX runner of ``case`` on ``ws``'s arrays (copied to JAX once); None where JAX has
    no function for it."""
    found = function(case) if case.elements(ws.n) else None
    if found is None:
        return None
    text, f = found
    jax = _jax()
    cpu = jax.devices("cpu")[0]
    x0 = jax.device_put(np.asarray(ws.shaped(ws.x0, case)), cpu).block_until_ready()
    state = {}

    def result() -> np.ndarray:
        return np.asarray(state["y"])

    if case.op == "forward":
        step = jax.jit(f, donate_argnums=0)

        def reset() -> None:
            state["x"] = x0.copy().block_until_ready()

        def call() -> None:
            state["y"] = step(state.pop("x")).block_until_ready()

        return Runner(call, reset, f"jit({text}, donate_argnums=0)(x): XLA may reuse x's buffer", result)

    g = jax.device_put(np.asarray(ws.shaped(ws.g, case)), cpu).block_until_ready()
    backward = jax.jit(lambda g, x: jax.vjp(f, x)[1](g)[0])

    def call() -> None:
        state["y"] = backward(g, x0).block_until_ready()

    return Runner(call, _nothing, f"jit(vjp({text}, x)[1](g)): from x, into a new array", result)


def _nothing() -> None:
    return None
