"""The activations as scalar functions for a user's own ``@numba.njit`` code.

Custom training loops are often jitted; these are the very formulas of fastact's kernels
(:mod:`fastact._kernels.scalar`), inlined into the caller and vectorizable, with the parameters
as ordinary arguments. For every element-wise activation ``NAME``: ``NAME(x, <params>)``,
``NAME_derivative(x, <params>)`` and ``NAME_backward(g, x, <params>)`` (= g·f′(x)). Parameters
are cast to x's type, so float32 stays float32; MSAF's shifts ``r`` are a float or a tuple.
Outside numba they run as (slow) Python. Importing this module imports numba.

Examples
--------
>>> import numba, numpy as np
>>> from fastact import scalar
>>> @numba.njit
... def layer(u, theta, out):
...     for i in range(u.size):
...         out[i] = scalar.leaky_relu(u[i] - theta, 0.1)
>>> out = np.empty(3)
>>> layer(np.array([-1.0, 0.5, 2.0]), 0.5, out)
>>> out
array([-0.15,  0.  ,  1.5 ])
"""

from numba import types
from numba.extending import overload, register_jitable

from fastact._catalog import ELEMENTWISE
from fastact._kernels import scalar as _formulas


def _like(r, x):
    """``r`` (a float or a tuple of floats) as a tuple of x's type."""
    return tuple(type(x)(v) for v in r) if isinstance(r, tuple) else (type(x)(r),)


@overload(_like, jit_options={"forceinline": True})
def _like_overload(r, x):
    if isinstance(r, types.Number):
        return lambda r, x: (type(x)(r),)
    if isinstance(r, types.BaseTuple):
        namespace = {}
        items = "".join(f"T(r[{i}])," for i in range(len(r)))
        exec(f"def like(r, x):\n    T = type(x)\n    return ({items})\n", namespace)
        return namespace["like"]
    return None


_TEMPLATE = '''
def {name}{suffix}({args}{params}):
    T = type(x)
    return _formulas.{name}_{formula}({args}{packed})
'''


def _generate(spec):
    params = "".join(f", {p.name}" + ("" if p.default is None else f"={p.default!r}") for p in spec.params)
    order = spec.kernel_order or spec.param_names
    vector = {p.name for p in spec.params if p.vector}
    scalars = "".join(f"T({name})," for name in order if name not in vector)
    packed = ", (" + scalars + ")" + "".join(f" + _like({name}, x)" for name in order if name in vector)
    functions = {}
    for suffix, formula, args in (("", "forward", "x"), ("_derivative", "derivative", "x"),
                                  ("_backward", "vjp", "g, x")):
        namespace = {"_formulas": _formulas, "_like": _like}
        source = _TEMPLATE.format(name=spec.name, suffix=suffix, args=args, params=params,
                                  formula=formula, packed=packed)
        exec(compile(source, f"<fastact.scalar.{spec.name}{suffix}>", "exec"), namespace)
        function = register_jitable(forceinline=True)(namespace[spec.name + suffix])
        function.__module__ = __name__
        function.__doc__ = f"{spec.name}{suffix} for numba code: {spec.formula if not suffix else spec.derivative}"
        functions[spec.name + suffix] = function
    return functions


_ALL = {}
for _spec in ELEMENTWISE.values():
    _ALL.update(_generate(_spec))
globals().update(_ALL)
__all__ = sorted(_ALL)
