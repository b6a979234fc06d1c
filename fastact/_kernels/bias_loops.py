"""Numba CPU loops for the fused neuron v = f(u − θ), θ one threshold per feature.

Arrays are flat C-ordered views of an (outer, C, inner) shape with the feature axis in the
middle (inner is 1 when the features are the last axis). Every inner loop is unit-stride, over
the features when inner is 1 and over inner otherwise, so it vectorizes. Loops run over fixed
blocks of ``_cpu_driver.rows_per_block(outer, C, inner)`` outer indices, so the reductions over every axis but
the feature axis are deterministic: the block partition, not the thread count, fixes the
summation order. Inner loops index row slices from 0, so LLVM sees non-negative indices (no
wrap-around select on the address) and vectorizes them. Caching and lazy compilation as in :mod:`fastact._kernels.cpu_loops`.
"""

from __future__ import annotations

from numba import prange

from fastact._kernels.cpu_loops import _cache_tag, _jit


def bias_map_loop(f, parallel: bool):
    """out = f(u − θ[c], p) over (outer, features, inner)."""
    tag = _cache_tag(parallel)

    def loop(u, theta, out, p, outer, features, inner):
        tag  # noqa: B018
        width = features * inner
        for o in prange(outer):
            u_row, out_row = u[o * width:(o + 1) * width], out[o * width:(o + 1) * width]
            if inner == 1:
                for c in range(features):
                    out_row[c] = f(u_row[c] - theta[c], p)
            else:
                for c in range(features):
                    t = theta[c]
                    for i in range(c * inner, (c + 1) * inner):
                        out_row[i] = f(u_row[i] - t, p)

    return _jit(loop, parallel)


def bias_vjp_loop(f, parallel: bool):
    """du = f(g, u − θ[c], p) and, per block b, dtheta_partial[b, c] = −Σ du over the block."""
    tag = _cache_tag(parallel)

    def loop(g, u, theta, du, p, outer, features, inner, block, dtheta_partial):
        tag  # noqa: B018
        width = features * inner
        for b in prange(dtheta_partial.shape[0]):
            acc = dtheta_partial[b]
            for o in range(b * block, min((b + 1) * block, outer)):
                rows = slice(o * width, (o + 1) * width)
                g_row, u_row, du_row = g[rows], u[rows], du[rows]
                if inner == 1:
                    for c in range(features):
                        d = f(g_row[c], u_row[c] - theta[c], p)
                        du_row[c] = d
                        acc[c] -= d
                else:
                    for c in range(features):
                        t = theta[c]
                        s = 0.0
                        for i in range(c * inner, (c + 1) * inner):
                            d = f(g_row[i], u_row[i] - t, p)
                            du_row[i] = d
                            s += d
                        acc[c] -= s

    return _jit(loop, parallel)


def bias_param_sums_loop(f, parallel: bool):
    """partial[b, k] = Σ over block b of f(g, u − θ[c], p, first + k) (parameter gradients)."""
    tag = _cache_tag(parallel)

    def loop(g, u, theta, p, outer, features, inner, first, block, partial):
        tag  # noqa: B018
        for b in prange(partial.shape[0]):
            for k in range(partial.shape[1]):
                s = 0.0
                for o in range(b * block, min((b + 1) * block, outer)):
                    for c in range(features):
                        t = theta[c]
                        start = (o * features + c) * inner
                        for i in range(start, start + inner):
                            s += f(g[i], u[i] - t, p, first + k)
                partial[b, k] = s

    return _jit(loop, parallel)
