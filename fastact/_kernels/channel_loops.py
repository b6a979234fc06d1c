"""Numba CPU loops for PReLU: one slope per channel.

The operands are C-contiguous 1-D arrays holding an (outer, C, inner) array: element i
belongs to channel (i // inner) % C. Work is cut into chunks of ``CHUNK`` elements (one per
parallel task); within a chunk, each run of one channel is a plain vectorizable loop with its
slope hoisted, so there is no division per element. The scalar formulas are those of
:mod:`fastact._kernels.scalar` (``prelu_*``).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastact._kernels import scalar
from fastact._kernels.cpu_loops import _cache_tag, _jit
from fastact._kernels.exact import two_product

#: Elements per parallel task of the element-wise loops.
CHUNK = 1 << 14


def _map(f, with_grad: bool, parallel: bool):
    tag = _cache_tag(parallel)
    chunk = CHUNK

    if with_grad:
        def loop(g, x, w, inner, out):
            tag  # noqa: B018
            n = x.size
            channels = w.size
            for b in prange((n + chunk - 1) // chunk):
                i = b * chunk
                stop = min(i + chunk, n)
                c = (i // inner) % channels
                j = i % inner
                while i < stop:
                    run = min(stop - i, inner - j)
                    wc = w[c]
                    for k in range(i, i + run):
                        out[k] = f(g[k], x[k], wc)
                    i += run
                    j = 0
                    c = c + 1 if c + 1 < channels else 0
    else:
        def loop(x, w, inner, out):
            tag  # noqa: B018
            n = x.size
            channels = w.size
            for b in prange((n + chunk - 1) // chunk):
                i = b * chunk
                stop = min(i + chunk, n)
                c = (i // inner) % channels
                j = i % inner
                while i < stop:
                    run = min(stop - i, inner - j)
                    wc = w[c]
                    for k in range(i, i + run):
                        out[k] = f(x[k], wc)
                    i += run
                    j = 0
                    c = c + 1 if c + 1 < channels else 0

    return _jit(loop, parallel)


def prelu_forward_loop(parallel: bool):
    """out[i] = x[i] if x[i] > 0 else w[c]·x[i]."""
    return _map(scalar.prelu_forward, False, parallel)


def prelu_derivative_loop(parallel: bool):
    """out[i] = 1 if x[i] > 0 else w[c] (NaN where x is NaN)."""
    return _map(scalar.prelu_derivative, False, parallel)


def prelu_vjp_loop(parallel: bool):
    """out[i] = g[i] if x[i] > 0 else g[i]·w[c] (from y too, when every w > 0)."""
    return _map(scalar.prelu_vjp, True, parallel)


def prelu_weight_grad_loop(parallel: bool):
    """partial[b, c] + partial[b, C + c] = Σ over block b of g·x where x ≤ 0, for each channel c
    of C: a running sum and its Neumaier compensation (which also collects the products'
    rounding errors, by ``two_product``).

    Blocks of ``block`` elements, not threads, fix the summation order; the caller adds both
    columns of each channel over all blocks (``_cpu_driver.add_blocks``), so the result is the
    same for every thread count.
    """
    tag = _cache_tag(parallel)
    f = scalar.prelu_weight_vjp

    def loop(g, x, w, inner, block, partial):
        tag  # noqa: B018
        n = x.size
        channels = w.size
        for b in prange(partial.shape[0]):
            i = b * block
            stop = min(i + block, n)
            c = (i // inner) % channels
            j = i % inner
            while i < stop:
                run = min(stop - i, inner - j)
                wc = w[c]
                total = partial[b, c]
                comp = partial[b, channels + c]
                for k in range(i, i + run):
                    gk = np.float64(g[k])
                    xk = np.float64(x[k])
                    v = f(gk, xk, np.float64(wc))  # g·x or 0; its rounding error joins the compensation
                    t = total + v
                    comp += (total - t) + v if abs(total) >= abs(v) else (v - t) + total
                    comp += two_product(gk, xk)[1] if v != 0 else 0.0
                    total = t
                partial[b, c] = total
                partial[b, channels + c] = comp
                i += run
                j = 0
                c = c + 1 if c + 1 < channels else 0

    return _jit(loop, parallel)
