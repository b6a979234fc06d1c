"""Numba CPU loops for the fused neuron v = f(u − θ), θ one threshold per feature.

Arrays are C-contiguous (outer, C, inner) views with the feature axis in the middle (inner is 1
when the features are the last axis). Loops run over fixed blocks of ``rows_per_block(C, inner)``
outer indices, so the reductions over every axis but the feature axis are deterministic: the
block partition, not the thread count, fixes the summation order. Caching and lazy
compilation as in :mod:`fastact._kernels.cpu_loops`.
"""

from __future__ import annotations

from numba import prange

from fastact._kernels.cpu_loops import REDUCTION_BLOCK, _cache_tag, _jit


def rows_per_block(features: int, inner: int) -> int:
    """Outer indices per reduction block: about ``REDUCTION_BLOCK`` elements."""
    return max(1, REDUCTION_BLOCK // max(1, features * inner))


def bias_map_loop(f, parallel: bool):
    """out[o, c, j] = f(u[o, c, j] − θ[c], p)."""
    tag = _cache_tag(parallel)

    def loop(u, theta, out, p):
        tag  # noqa: B018
        features, inner = u.shape[1], u.shape[2]
        for o in prange(u.shape[0]):
            for c in range(features):
                t = theta[c]
                for j in range(inner):
                    out[o, c, j] = f(u[o, c, j] - t, p)

    return _jit(loop, parallel)


def bias_vjp_loop(f, parallel: bool):
    """du = f(g, u − θ[c], p) and, per block b, dtheta_partial[b, c] = −Σ du over the block."""
    tag = _cache_tag(parallel)

    def loop(g, u, theta, du, p, block, dtheta_partial):
        tag  # noqa: B018
        outer, features, inner = u.shape
        for b in prange(dtheta_partial.shape[0]):
            acc = dtheta_partial[b]
            for o in range(b * block, min((b + 1) * block, outer)):
                for c in range(features):
                    t = theta[c]
                    s = 0.0
                    for j in range(inner):
                        d = f(g[o, c, j], u[o, c, j] - t, p)
                        du[o, c, j] = d
                        s += d
                    acc[c] -= s

    return _jit(loop, parallel)


def bias_param_sums_loop(f, parallel: bool):
    """partial[b, k] = Σ over block b of f(g, u − θ[c], p, first + k) (parameter gradients)."""
    tag = _cache_tag(parallel)

    def loop(g, u, theta, p, first, block, partial):
        tag  # noqa: B018
        outer, features, inner = u.shape
        for b in prange(partial.shape[0]):
            for k in range(partial.shape[1]):
                s = 0.0
                for o in range(b * block, min((b + 1) * block, outer)):
                    for c in range(features):
                        t = theta[c]
                        for j in range(inner):
                            s += f(g[o, c, j], u[o, c, j] - t, p, first + k)
                partial[b, k] = s

    return _jit(loop, parallel)
