"""The elementary functions of :mod:`fastact._kernels.vmath` on the CUDA target: libdevice.

vmath's branch-free polynomials are written for CPU SIMD, where a libm call would stop the loop
vectorizer. A GPU thread computes one element on its own, and libdevice's functions (what
``math.exp`` and friends compile to under numba-cuda) use the special-function units: ``expf``
is nine instructions (a two-constant argument reduction, ``ex2.approx``, a scaling), against
about forty for vmath's compensated polynomial. Importing this module registers, for the CUDA
target only, ``vmath.exp``, ``expm1``, ``log``, ``log1p`` (also as ``log1p_unit``) and ``tanh`` as the libdevice
functions of the argument's precision (integers in float64, as vmath does), and
``vmath.exp_scaled`` through float64 ``exp``, so the formulas of
:mod:`fastact._kernels.scalar` are the one source of the math on both targets.

Accuracy (libdevice's documented maxima, CUDA Math API, full range): float32 ``expf`` 2 ULP,
``expm1f`` 1, ``logf`` 1, ``log1pf`` 1, ``tanhf`` 2; float64 ``exp``, ``expm1``, ``log``,
``log1p``, ``tanh`` 1 ULP each (vmath: within 2 ULP, ``docs/accuracy.md``). No fast-math: the
float32 functions keep subnormal results.
"""

from __future__ import annotations

import math

import numpy as np
from numba.cuda import types
from numba.cuda.extending import overload

from fastact._kernels import vmath
from fastact._kernels.exact import fma


def _register(public, libdevice) -> None:
    @overload(public, target="cuda", inline="always")
    def _overload(x):
        if isinstance(x, types.Float):
            return lambda x: libdevice(x)
        if isinstance(x, (types.Integer, types.Boolean)):
            return lambda x: libdevice(np.float64(x))
        return None


_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # ln2_hi: 32 bits


@overload(vmath.exp_scaled, target="cuda", inline="always")
def _exp_scaled(x):
    """e^x·2^S for x ≤ 0 from libdevice's float64 ``exp``. float32: rounded to float32 once.
    float64: exp(x)·2^128 while e^x is normal (x ≥ −700); below, exp(x + S·ln2_hi) (an exact
    sum there) times 1 + expm1(S·ln2_lo) by one fma: within 1.5 ULP."""
    if not isinstance(x, types.Float):
        return None
    scale, lo = vmath.EXP_SCALED[x.bitwidth]
    if x.bitwidth == 32:
        return lambda x: np.float32(math.exp(np.float64(np.float32(lo) if x < lo else x)) * scale)
    bits = math.log2(scale)
    shift, correction = bits * _LN2_HI, math.expm1(bits * _LN2_LO)

    def impl(x):
        if x >= -700.0:
            return math.exp(x) * scale
        e = math.exp((lo if x < lo else x) + shift)
        return fma(e, correction, e)

    return impl


for _public, _libdevice in ((vmath.exp, math.exp), (vmath.expm1, math.expm1), (vmath.log, math.log),
                            (vmath.log1p, math.log1p), (vmath.log1p_unit, math.log1p),
                            (vmath.tanh, math.tanh)):
    _register(_public, _libdevice)
