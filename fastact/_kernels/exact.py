"""Error-free transformations: the rounding error of a product or a sum, exactly.

``two_product(a, b)`` returns (p, e) with p = fl(a·b) and a·b = p + e exactly (one fused
multiply-add); ``two_sum(a, b)`` returns (s, e) with s = fl(a + b) and a + b = s + e
(Knuth's branch-free form). Where the first result is ±inf or NaN, e is 0.
``neumaier_add(total, compensation, v)`` is Neumaier's compensated summation step.

The activations use them to evaluate σ(a·x) and σ(x + r) as σ(z + e): without the error
term, rounding z costs |z|·eps of relative accuracy in e^z (30 ULP at z = −50).

``fma`` compiles to the hardware instruction (``llvm.fma``) on CPU and GPU; its Python
definition, exact by rational arithmetic, is what numba's CUDA simulator runs.
"""

from fractions import Fraction
import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload, register_jitable


def fma(a, b, c):
    """a·b + c rounded once."""
    values = (float(a), float(b), float(c))
    if not all(map(math.isfinite, values)):
        return type(a)(a * b + c)
    exact = Fraction(values[0]) * Fraction(values[1]) + Fraction(values[2])
    try:
        value = float(exact)
    except OverflowError:
        value = math.inf if exact > 0 else -math.inf
    with np.errstate(over="ignore"):  # beyond type(a)'s largest float: inf, as the hardware rounds
        return type(a)(value)


def float_intrinsic3(llvm_name: str):
    """A numba intrinsic that calls LLVM's ``llvm_name`` (e.g. ``llvm.fma``) on three floats of
    one type."""

    @intrinsic
    def call(typingctx, a, b, c):
        if not (isinstance(a, types.Float) and a == b == c):
            return None

        def codegen(context, builder, signature, args):
            t = args[0].type
            function = builder.module.declare_intrinsic(llvm_name, [t], ir.FunctionType(t, [t, t, t]))
            return builder.call(function, args)

        return a(a, b, c), codegen

    return call


_llvm_fma = float_intrinsic3("llvm.fma")


@overload(fma, jit_options={"forceinline": True})
def _fma_overload(a, b, c):
    if isinstance(a, types.Float) and a == b == c:
        return lambda a, b, c: _llvm_fma(a, b, c)
    return None


@register_jitable(forceinline=True)
def two_product(a, b):
    p = a * b
    e = fma(a, b, -p)
    return p, (e if abs(p) < math.inf else type(p)(0))


@register_jitable(forceinline=True)
def two_sum(a, b):
    s = a + b
    bv = s - a
    e = (a - (s - bv)) + (b - bv)
    return s, (e if abs(s) < math.inf else type(s)(0))


@register_jitable(forceinline=True)
def two_product_finite(a, b):
    """:func:`two_product` for a product known to be finite (no select on it)."""
    p = a * b
    return p, fma(a, b, -p)


@register_jitable(forceinline=True)
def two_sum_finite(a, b):
    """:func:`two_sum` for a sum known to be finite (no select on it)."""
    s = a + b
    bv = s - a
    return s, (a - (s - bv)) + (b - bv)


@register_jitable
def neumaier_add(total, compensation, v):
    """Neumaier's step: (total + v, the running compensation of the rounding errors)."""
    t = total + v
    compensation += (total - t) + v if abs(total) >= abs(v) else (v - t) + total
    return t, compensation
