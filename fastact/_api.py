"""The public functions: five per element-wise activation, generated from the catalogue,
and the softmax family.

For an activation ``NAME`` with parameters ``<params>`` (see :mod:`fastact._catalog`):
``NAME(x, <params>, *, out, backend)``, ``NAME_(x, <params>, *, backend)`` (in place),
``NAME_derivative(x, <params>, *, out, backend)``,
``NAME_backward(grad, x=None, *, y=None, <params>, out, backend)`` and, for activations with
learnable parameters, ``NAME_param_grads(grad, x, <params>, *, backend)``.
Each validates everything, then hands 1 to 3 arrays to the backend's kernel.
"""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np
from numpy.typing import ArrayLike

from fastact import _validate
from fastact._catalog import ELEMENTWISE, Activation
from fastact._dispatch import resolve, resolve_device

# --- the operations behind every generated function -----------------------------------------


def _forward(spec: Activation, op: str, function: str, x, values: tuple, out, backend) -> np.ndarray:
    if type(x) is not np.ndarray:
        if _validate.on_device(x):
            return resolve_device(backend, function).forward(spec, op, function, x, values, out)
        x = _validate.as_input(x, "x", function)
    elif not (x.dtype is _validate.F32 or x.dtype is _validate.F64):  # the common case: used as it is
        x = _validate.as_input(x, "x", function)
    kernels = resolve(backend)
    if values or spec.check is not None:
        values = spec.validate(values)
    if out is not None:
        _validate.output(out, x, function, {"x": x})
    return kernels.elementwise(spec, op, (x,), out, values)


def _inplace(spec: Activation, function: str, x, values: tuple, backend) -> np.ndarray:
    if type(x) is not np.ndarray and _validate.on_device(x):
        return resolve_device(backend, function).inplace(spec, function, x, values)
    kernels = resolve(backend)
    _validate.check_writable_float(x, "x", function)
    values = spec.validate(values)
    kernels.elementwise(spec, "forward", (x,), x, values)
    return x


def _backward(spec: Activation, function: str, grad, x, y, values: tuple, out, backend) -> np.ndarray:
    if (x is None) == (y is None):
        raise TypeError(f"{function}: pass exactly one of x (the input) or y (the output)")
    name, a = ("x", x) if y is None else ("y", y)
    if (type(grad) is not np.ndarray or type(a) is not np.ndarray) and \
            (_validate.on_device(grad) or _validate.on_device(a)):
        return resolve_device(backend, function).backward(spec, function, grad, name, a, values, out)
    kernels = resolve(backend)
    g = _validate.as_input(grad, "grad", function)
    a = _validate.as_input(a, name, function)
    _validate.same_shape_and_dtype(function, ("grad", g), (name, a))
    values = spec.validate(values)
    if y is not None:
        spec.check_from_y(values)
    if out is not None:
        _validate.output(out, g, function, {"grad": g, name: a})
    return kernels.elementwise(spec, "vjp" if y is None else "vjp_from_y", (g, a), out, values)


def _param_grads(spec: Activation, function: str, grad, x, values: tuple, backend) -> dict:
    if (type(grad) is not np.ndarray or type(x) is not np.ndarray) and \
            (_validate.on_device(grad) or _validate.on_device(x)):
        return resolve_device(backend, function).param_grads_on_device(spec, function, grad, x, values)
    kernels = resolve(backend)
    g = _validate.as_input(grad, "grad", function)
    x = _validate.as_input(x, "x", function)
    _validate.same_shape_and_dtype(function, ("grad", g), ("x", x))
    return kernels.param_grads(spec, g, x, spec.validate(values))


# --- code generation --------------------------------------------------------------------------

_ARRAY_DOC = """x : array_like
    The input. float32 and float64 keep their dtype; integers and bools are computed in
    float64; other dtypes raise TypeError."""
_OUT_DOC = """out : ndarray, optional
    Where to write the result: shape and dtype must match; it may be the input itself, but
    must not partially overlap it."""
_BACKEND_DOC = """backend : {"auto", "numba", "cython", "cuda", "numpy"}, optional
    Which kernels compute the result; default: ``fastact.get_backend()``."""

_TEMPLATES = {
    "": ("def {name}(x: ArrayLike{sig}, *, out: np.ndarray | None = None, backend: str | None = None)"
         " -> np.ndarray:\n    return _forward(_SPEC, 'forward', '{name}', x, ({args}), out, backend)\n"),
    "_": ("def {name}_(x: np.ndarray{sig}, *, backend: str | None = None) -> np.ndarray:\n"
          "    return _inplace(_SPEC, '{name}_', x, ({args}), backend)\n"),
    "_derivative": ("def {name}_derivative(x: ArrayLike{sig}, *, out: np.ndarray | None = None, "
                    "backend: str | None = None) -> np.ndarray:\n"
                    "    return _forward(_SPEC, 'derivative', '{name}_derivative', x, ({args}), out, backend)\n"),
    "_backward": ("def {name}_backward(grad: ArrayLike, x: ArrayLike | None = None, *, y: ArrayLike | None = None"
                  "{sig}, out: np.ndarray | None = None, backend: str | None = None) -> np.ndarray:\n"
                  "    return _backward(_SPEC, '{name}_backward', grad, x, y, ({args}), out, backend)\n"),
    "_param_grads": ("def {name}_param_grads(grad: ArrayLike, x: ArrayLike{sig}, *, backend: str | None = None)"
                     " -> dict:\n    return _param_grads(_SPEC, '{name}_param_grads', grad, x, ({args}), backend)\n"),
}


def _signature(spec: Activation) -> tuple[str, str]:
    """(signature fragment, argument tuple body) for the activation's parameters."""
    parts = []
    for p in spec.params:
        hint = "Union[float, Sequence[float]]" if p.vector else ("str" if p.choices else "float")
        parts.append(f"{p.name}: {hint}" + ("" if p.default is None else f" = {p.default!r}"))
    sig = "".join(", " + part for part in parts)
    args = "".join(p.name + ", " for p in spec.params)
    return sig, args


def _params_doc(spec: Activation) -> str:
    lines = []
    for p in spec.params:
        kind = ("float or sequence of float" if p.vector else
                "{" + ", ".join(map(repr, p.choices)) + "}" if p.choices else "float")
        default = "" if p.default is None else f", default {p.default!r}"
        learn = " Learnable: see ``{}_param_grads``.".format(spec.name) if p.learnable else ""
        lines.append(f"{p.name} : {kind}{default}\n    {p.doc}.{learn}")
    return "\n".join(lines)


def _docstring(spec: Activation, suffix: str) -> str:
    params = _params_doc(spec)
    notes = f"Notes\n-----\n{spec.formula}\n\n{spec.derivative}\n\n{spec.kink}"
    n = spec.name
    if suffix == "":
        head = f"{spec.summary}\n\n    {spec.formula}\n"
        body = "\n".join(filter(None, [_ARRAY_DOC, params, _OUT_DOC, _BACKEND_DOC]))
        returns = "ndarray\n    f(x), in ``out`` when given."
        example = f"Examples\n--------\n>>> import numpy as np, fastact\n>>> {spec.example}"
        return f"{head}\nParameters\n----------\n{body}\n\nReturns\n-------\n{returns}\n\n{notes}\n\n{example}\n"
    if suffix == "_":
        head = f"In-place {n}: x ← f(x). x must be a writable float32 or float64 array (any layout).\n"
        body = "\n".join(filter(None, ["x : ndarray\n    Overwritten with f(x).", params, _BACKEND_DOC]))
        return f"{head}\nParameters\n----------\n{body}\n\nReturns\n-------\nndarray\n    x itself.\n\n{notes}\n"
    if suffix == "_derivative":
        head = f"Element-wise derivative of {n}:\n\n    {spec.derivative}\n"
        body = "\n".join(filter(None, [_ARRAY_DOC, params, _OUT_DOC, _BACKEND_DOC]))
        return f"{head}\nParameters\n----------\n{body}\n\nReturns\n-------\nndarray\n    f′(x).\n\n{notes}\n"
    if suffix == "_backward":
        from_y = (f"y : array_like, optional\n    The output f(x), instead of x: f′ = {spec.from_y}."
                  if spec.from_y else "y : array_like, optional\n    Not supported: y does not determine f′.")
        head = (f"Backward pass (vector-Jacobian product) of {n}: dL/dx = grad ⊙ f′(x).\n\n"
                f"Pass exactly one of ``x`` (the input) or ``y`` (the output).\n")
        body = "\n".join(filter(None, [
            "grad : array_like\n    dL/dy, same shape and dtype as x (or y).",
            "x : array_like, optional\n    The input of the forward pass.", from_y, params,
            _OUT_DOC.replace("the input itself", "grad itself"), _BACKEND_DOC]))
        return f"{head}\nParameters\n----------\n{body}\n\nReturns\n-------\nndarray\n    dL/dx.\n\n{notes}\n"
    head = (f"Gradients of the loss with respect to {n}'s learnable parameters,\n"
            f"Σ grad ⊙ ∂f/∂parameter over all elements (compensated, deterministic sums).\n")
    body = "\n".join(filter(None, ["grad : array_like\n    dL/dy, same shape and dtype as x.",
                                   "x : array_like\n    The input of the forward pass.", params, _BACKEND_DOC]))
    returns = ("dict\n    Parameter name → gradient, in x's dtype (an array for a sequence "
               "parameter such as MSAF's r).")
    return f"{head}\nParameters\n----------\n{body}\n\nReturns\n-------\n{returns}\n\n{notes}\n"


def _generate(spec: Activation) -> dict:
    sig, args = _signature(spec)
    suffixes = ["", "_", "_derivative", "_backward"] + (["_param_grads"] if spec.learnable else [])
    namespace = {"_SPEC": spec, "_forward": _forward, "_inplace": _inplace, "_backward": _backward,
                 "_param_grads": _param_grads, "np": np, "ArrayLike": ArrayLike,
                 "Sequence": Sequence, "Union": Union}
    functions = {}
    for suffix in suffixes:
        source = "from __future__ import annotations\n" + _TEMPLATES[suffix].format(
            name=spec.name, sig=sig, args=args)
        exec(compile(source, f"<fastact.{spec.name}{suffix}>", "exec"), namespace)
        function = namespace[spec.name + suffix]
        function.__module__ = "fastact"
        function.__doc__ = _docstring(spec, suffix)
        functions[spec.name + suffix] = function
    return functions


GENERATED: dict = {}
for _spec in ELEMENTWISE.values():
    GENERATED.update(_generate(_spec))
