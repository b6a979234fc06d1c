"""The catalogue of activations: names, parameters, formulas and what each supports.

This table is the single description that the public API (:mod:`fastact._api`), the
backends, the tests and the benchmarks are generated from or checked against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Param:
    """One parameter of an activation.

    ``vector`` parameters accept a float or a non-empty 1-D sequence of floats (MSAF's
    shifts); ``choices`` parameters one of the listed strings (GELU's ``approximate``, passed
    to the kernels as its index); the others accept one finite real number.
    """

    name: str
    default: object
    doc: str
    learnable: bool = True
    vector: bool = False
    choices: tuple[str, ...] | None = None

    def validate(self, value: object, function: str) -> float | str | tuple[float, ...]:
        """Return ``value`` as a float (or tuple of floats, or a choice); raise naming the parameter."""
        if self.choices is not None:
            if value not in self.choices:
                raise ValueError(f"{function}: {self.name} must be one of {self.choices}, got {value!r}")
            return value
        if type(value) is float and value - value == 0.0:  # the common case: a finite float
            return value
        if self.vector and np.ndim(value) == 1:
            items = tuple(self._finite(v, function) for v in np.asarray(value).tolist())
            if not items:
                raise ValueError(f"{function}: {self.name} must not be empty")
            return items
        if np.ndim(value) != 0:
            shape = "a float or a 1-D sequence" if self.vector else "a real number"
            raise ValueError(f"{function}: {self.name} must be {shape}, got shape {np.shape(value)}")
        return self._finite(value, function)

    def _finite(self, value: object, function: str) -> float:
        if not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{function}: {self.name} must be a real number, got {type(value).__name__}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{function}: {self.name} must be finite, got {value}")
        return value


@dataclass(frozen=True)
class Activation:
    """An element-wise activation y = f(x; params) and everything the API needs to know of it.

    ``kernel_order`` is the order in which the parameters are packed into the tuple ``p``
    that the scalar kernels of :mod:`fastact._kernels.scalar` receive.
    ``from_y_check``, where some parameter values make backward from ``y`` invalid, returns an
    error message for them (``None`` when they are valid); ``from_y`` is ``None`` when the
    output never determines the derivative.
    """

    name: str
    summary: str
    formula: str
    derivative: str
    kink: str
    example: str
    params: tuple[Param, ...] = ()
    from_y: str | None = None
    from_y_check: Callable[[dict], str | None] | None = None
    kernel_order: tuple[str, ...] | None = None
    check: Callable[[dict], str | None] | None = None
    kind: str = "elementwise"

    @property
    def learnable(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.learnable)

    def validate(self, values: tuple) -> tuple:
        """Check the parameter values (in ``params`` order) and return them normalised."""
        for v in values:
            if type(v) is not float or v - v != 0.0:
                break
        else:  # every value a finite float (or none): the common case, kept cheap
            if self.check is None:
                return values
        values = tuple([p.validate(v, self.name) for p, v in zip(self.params, values)])
        message = self.check and self.check(dict(zip(self.param_names, values)))
        if message:
            raise ValueError(f"{self.name}: {message}")
        return values

    def check_from_y(self, values: tuple) -> None:
        """Raise ValueError when backward from ``y`` is not valid for these parameters."""
        if self.from_y is None:
            raise ValueError(f"{self.name}_backward: the output y does not determine the "
                             f"derivative; pass the input x instead")
        message = self.from_y_check and self.from_y_check(dict(zip(self.param_names, values)))
        if message:
            raise ValueError(f"{self.name}_backward from y: {message}")

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def pack(self, dtype: np.dtype, values: tuple) -> tuple:
        """The kernel parameter tuple ``p``: values in ``kernel_order``, cast to ``dtype``."""
        if not values:
            return values
        key = (dtype.char, values)
        packed = _PACKED.get(key)
        if packed is None:
            if len(_PACKED) > 1024:
                _PACKED.clear()
            packed = _PACKED[key] = self._pack(dtype, values)
        return packed

    def _pack(self, dtype: np.dtype, values: tuple) -> tuple:
        named = dict(zip(self.param_names, values))
        choices = {p.name: p.choices for p in self.params if p.choices}
        cast = dtype.type
        packed = []
        for name in self.kernel_order or self.param_names:
            value = choices[name].index(named[name]) if name in choices else named[name]
            packed.extend(cast(v) for v in value) if isinstance(value, tuple) else packed.append(cast(value))
        return tuple(packed)

    def learnable_slots(self, values: tuple) -> list[tuple[str, int, int, bool]]:
        """(name, start, stop, is_vector) of each learnable parameter within ``p``."""
        named = dict(zip(self.param_names, values))
        learnable = set(self.learnable)
        slots, start = [], 0
        for name in self.kernel_order or self.param_names:
            width = len(named[name]) if isinstance(named[name], tuple) else 1
            if name in learnable:
                slots.append((name, start, start + width, isinstance(named[name], tuple)))
            start += width
        return slots


#: (dtype char, validated values) → packed kernel tuple; keeps small calls cheap.
_PACKED: dict = {}


def _positive(name: str) -> Callable[[dict], str | None]:
    return lambda v: None if v[name] > 0 else f"needs {name} > 0, got {v[name]}"


def _non_negative(name: str) -> Callable[[dict], str | None]:
    return lambda v: None if v[name] >= 0 else f"needs {name} >= 0, got {v[name]}"


SIGMOID = Activation(
    name="sigmoid",
    summary="Logistic sigmoid with slope a.",
    formula="f(x) = σ(a·x) = 1 / (1 + exp(−a·x)),  a = slope",
    derivative="f′(x) = a·f(x)·(1 − f(x))",
    kink="Smooth everywhere; computed from exp(−|a·x|), so it never overflows.",
    example="fastact.sigmoid(np.array([-1.0, 0.0, 2.0]), slope=2.0)\n"
            "array([0.11920292, 0.5       , 0.98201379])",
    params=(Param("slope", 1.0, "The slope a (the derivative at the origin is a/4)"),),
    from_y="a·y·(1 − y)",
)

TANH = Activation(
    name="tanh",
    summary="Hyperbolic tangent.",
    formula="f(x) = tanh(x)",
    derivative="f′(x) = 1 − tanh(x)²",
    kink="Smooth everywhere; the derivative is computed as 4e/(1+e)², e = exp(−2|x|).",
    example="fastact.tanh(np.array([0.0, 1.0]))\narray([0.        , 0.76159416])",
    from_y="(1 − y)(1 + y)",
)

MSAF = Activation(
    name="msaf",
    summary="Multistate activation function (Cai, Xu, Ke & Su 2015): a staircase of sigmoids.",
    formula="f(x) = offset + Σ_k σ(x + r_k)",
    derivative="f′(x) = Σ_k σ_k·(1 − σ_k),  σ_k = σ(x + r_k)",
    kink="Smooth everywhere. The seed's f3 is msaf(x, r=(0.0, r1)).",
    example="fastact.msaf(np.array([0.0]), r=(0.0, -4.0))\narray([0.51798621])",
    params=(Param("r", None, "The shifts r_k: a float or a 1-D sequence", vector=True),
            Param("offset", 0.0, "A constant added to the sum")),
    kernel_order=("offset", "r"),
)

SYM_MSAF = Activation(
    name="sym_msaf",
    summary="Symmetric two-state MSAF, with values in (−1, 1).",
    formula="f(x) = −1 + σ(x) + σ(x + r),  r significantly below 0",
    derivative="f′(x) = σ(x)(1 − σ(x)) + σ(x + r)(1 − σ(x + r))",
    kink="Smooth everywhere; computed as σ(x + r) − σ(−x) to avoid cancellation.",
    example="fastact.sym_msaf(np.array([2.0]), r=-4.0)\narray([0.])",
    params=(Param("r", None, "The shift r of the second sigmoid"),),
)

RELU = Activation(
    name="relu",
    summary="Rectified linear unit.",
    formula="f(x) = max(x, 0)  (relu(−0) = −0 and relu(NaN) = NaN, as PyTorch)",
    derivative="f′(x) = 1 if x > 0 else 0",
    kink="∇relu(0) = 0.",
    example="fastact.relu(np.array([-1.0, 0.0, 2.0]))\narray([0., 0., 2.])",
    from_y="1 if y > 0 else 0",
)

LEAKY_RELU = Activation(
    name="leaky_relu",
    summary="Leaky rectified linear unit.",
    formula="f(x) = x if x > 0 else b·x,  b = negative_slope",
    derivative="f′(x) = 1 if x > 0 else b",
    kink="∇leaky_relu(0) = b.",
    example="fastact.leaky_relu(np.array([-1.0, 2.0]), negative_slope=0.1)\narray([-0.1,  2. ])",
    params=(Param("negative_slope", 0.01, "The slope b for x ≤ 0"),),
    from_y="1 if y > 0 else b   (for b > 0)",
    from_y_check=_positive("negative_slope"),
)

ELU = Activation(
    name="elu",
    summary="Exponential linear unit (Clevert, Unterthiner & Hochreiter 2015).",
    formula="f(x) = x if x > 0 else α·expm1(x)",
    derivative="f′(x) = 1 if x > 0 else α·exp(x)",
    kink="∇elu(0) = α.",
    example="fastact.elu(np.array([-1.0, 2.0]))\narray([-0.63212056,  2.        ])",
    params=(Param("alpha", 1.0, "α: the function saturates at −α for x → −∞"),),
    from_y="1 if y > 0 else y + α   (for α ≥ 0)",
    from_y_check=_non_negative("alpha"),
)


# --- the modern set: PyTorch's names, defaults and kink conventions ----------------------------


def _nonzero(name: str) -> Callable[[dict], str | None]:
    return lambda v: None if v[name] != 0 else f"{name} must not be 0"


SELU = Activation(
    name="selu",
    summary="Scaled exponential linear unit (Klambauer et al. 2017).",
    formula="f(x) = λ·x if x > 0 else λ·α·expm1(x),  λ = 1.0507009873554804934, α = 1.6732632423543772849",
    derivative="f′(x) = λ if x > 0 else λ·α·eˣ",
    kink="∇selu(0) = λ·α (PyTorch's convention).",
    example="fastact.selu(np.array([-1.0, 1.0]))\narray([-1.11133074,  1.05070099])",
    from_y="λ if y > 0 else y + λ·α",
)

CELU = Activation(
    name="celu",
    summary="Continuously differentiable exponential linear unit (Barron 2017).",
    formula="f(x) = x if x > 0 else α·expm1(x/α)",
    derivative="f′(x) = 1 if x > 0 else e^(x/α)",
    kink="∇celu(0) = 1; x/α is evaluated with its rounding error, so e^(x/α) keeps full accuracy.",
    example="fastact.celu(np.array([-1.0, 2.0]), alpha=2.0)\narray([-0.78693868,  2.        ])",
    params=(Param("alpha", 1.0, "α ≠ 0: the function saturates at −α for x → −∞"),),
    from_y="1 if y > 0 else y/α + 1   (for α > 0)",
    from_y_check=_positive("alpha"),
    check=_nonzero("alpha"),
)

GELU = Activation(
    name="gelu",
    summary="Gaussian error linear unit (Hendrycks & Gimpel 2016).",
    formula="f(x) = x·Φ(x) = ½·x·(1 + erf(x/√2))  (approximate=\"none\"), or\n"
            "f(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))  (approximate=\"tanh\")",
    derivative="f′(x) = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)  (tanh form: its exact derivative)",
    kink="Smooth. Φ(x) for x < 0 is ½·e^(−x²/2)·erfcx(−x/√2), so the left tail keeps full relative "
         "accuracy; the tanh form is x·σ(2u). gelu(−inf) = −0 and f′(±inf) = 0, 1 (the limits; "
         "PyTorch gives NaN there).",
    example="fastact.gelu(np.array([-1.0, 1.0]))\narray([-0.15865525,  0.84134475])",
    params=(Param("approximate", "none", "\"none\" (the erf form) or \"tanh\"", learnable=False,
                  choices=("none", "tanh")),),
)

SILU = Activation(
    name="silu",
    summary="Sigmoid linear unit, swish with β = 1 (Elfwing et al. 2017; Ramachandran et al. 2017).",
    formula="f(x) = x·σ(x)",
    derivative="f′(x) = σ(x) + x·σ′(x) = σ(x)·(1 + x·(1 − σ(x)))",
    kink="Smooth. silu(−inf) = −0 and f′(−inf) = 0 (the limits; PyTorch gives NaN).",
    example="fastact.silu(np.array([-1.0, 1.0]))\narray([-0.26894142,  0.73105858])",
)

SWISH = Activation(
    name="swish",
    summary="Swish with a (learnable) β (Ramachandran, Zoph & Le 2017).",
    formula="f(x) = x·σ(β·x)",
    derivative="f′(x) = σ(βx) + βx·σ′(βx)",
    kink="Smooth; βx is evaluated with its rounding error. ∂f/∂β = x²·σ′(βx).",
    example="fastact.swish(np.array([-1.0, 1.0]), beta=2.0)\narray([-0.11920292,  0.88079708])",
    params=(Param("beta", 1.0, "The slope β of the gate σ(βx)"),),
)

MISH = Activation(
    name="mish",
    summary="Mish (Misra 2019).",
    formula="f(x) = x·tanh(softplus(x)) = x·n/(n + 2),  n = eˣ(eˣ + 2)",
    derivative="f′(x) = t + x·σ(x)·(1 − t²),  t = tanh(softplus(x))",
    kink="Smooth; t is formed from e^(−|x|), so nothing overflows. mish(−inf) = −0 (PyTorch: NaN).",
    example="fastact.mish(np.array([-1.0, 1.0]))\narray([-0.30340146,  0.86509839])",
)

SOFTPLUS = Activation(
    name="softplus",
    summary="Softplus, a smooth ReLU, with PyTorch's linear region above the threshold.",
    formula="f(x) = x if β·x > threshold else log(1 + e^(βx))/β  (computed as (max(βx, 0) + log1p(e^(−|βx|)))/β)",
    derivative="f′(x) = 1 if β·x > threshold else σ(βx)",
    kink="At β·x = threshold, f′ = σ(threshold) (the smooth branch), as PyTorch. "
         "∂f/∂β = (βx·σ(βx) − log(1 + e^(βx)))/β² below the threshold, 0 above.",
    example="fastact.softplus(np.array([-1.0, 0.0, 30.0]))\narray([ 0.31326169,  0.69314718, 30.        ])",
    params=(Param("beta", 1.0, "β ≠ 0: the sharpness"),
            Param("threshold", 20.0, "Above β·x > threshold, f(x) = x", learnable=False)),
    from_y="1 if β·y > threshold else 1 − e^(−βy)   (for β > 0)",
    from_y_check=_positive("beta"),
    check=_nonzero("beta"),
)

SOFTSIGN = Activation(
    name="softsign",
    summary="Softsign (Turian, Bergstra & Bengio 2009).",
    formula="f(x) = x/(1 + |x|)",
    derivative="f′(x) = 1/(1 + |x|)²",
    kink="∇softsign(0) = 1. softsign(±inf) = ±1, f′(±inf) = 0 (the limits; PyTorch gives NaN).",
    example="fastact.softsign(np.array([-1.0, 3.0]))\narray([-0.5 ,  0.75])",
    from_y="(1 − |y|)²",
)

HARDTANH = Activation(
    name="hardtanh",
    summary="Hard tanh: x clamped to [min_val, max_val].",
    formula="f(x) = min_val if x < min_val, max_val if x > max_val, else x",
    derivative="f′(x) = 1 if min_val < x < max_val else 0",
    kink="∇hardtanh = 0 at both kinks (PyTorch's convention).",
    example="fastact.hardtanh(np.array([-2.0, 0.5, 2.0]))\narray([-1. ,  0.5,  1. ])",
    params=(Param("min_val", -1.0, "The lower bound", learnable=False),
            Param("max_val", 1.0, "The upper bound (> min_val)", learnable=False)),
    from_y="1 if min_val < y < max_val else 0",
    check=lambda v: None if v["min_val"] < v["max_val"] else
    f"needs min_val < max_val, got {v['min_val']} and {v['max_val']}",
)

RELU6 = Activation(
    name="relu6",
    summary="ReLU capped at 6: hardtanh(x, 0, 6).",
    formula="f(x) = min(max(x, 0), 6)",
    derivative="f′(x) = 1 if 0 < x < 6 else 0",
    kink="∇relu6 = 0 at 0 and at 6 (PyTorch's convention); relu6(−0) = −0.",
    example="fastact.relu6(np.array([-1.0, 3.0, 8.0]))\narray([0., 3., 6.])",
    from_y="1 if 0 < y < 6 else 0",
)

HARDSIGMOID = Activation(
    name="hardsigmoid",
    summary="Hard sigmoid: a piecewise-linear σ (PyTorch's form).",
    formula="f(x) = relu6(x + 3)/6",
    derivative="f′(x) = 1/6 if −3 < x < 3 else 0",
    kink="∇hardsigmoid = 0 at ±3 (PyTorch's convention).",
    example="fastact.hardsigmoid(np.array([-4.0, 0.0, 1.5]))\narray([0.  , 0.5 , 0.75])",
    from_y="1/6 if 0 < y < 1 else 0",
)

HARDSWISH = Activation(
    name="hardswish",
    summary="Hard swish (Howard et al. 2019, MobileNetV3).",
    formula="f(x) = x·relu6(x + 3)/6",
    derivative="f′(x) = 0 if x ≤ −3, x/3 + 1/2 if −3 < x < 3, 1 if x ≥ 3",
    kink="∇hardswish(−3) = 0 and ∇hardswish(3) = 1 (PyTorch's convention); "
         "hardswish(−inf) = −0 (PyTorch: NaN).",
    example="fastact.hardswish(np.array([-4.0, 1.0, 4.0]))\narray([-0.        ,  0.66666667,  4.        ])",
)

LOG_SIGMOID = Activation(
    name="log_sigmoid",
    summary="Logarithm of the logistic sigmoid.",
    formula="f(x) = log σ(x) = min(x, 0) − log1p(e^(−|x|))",
    derivative="f′(x) = σ(−x)",
    kink="Smooth; never overflows.",
    example="fastact.log_sigmoid(np.array([-1.0, 1.0]))\narray([-1.31326169, -0.31326169])",
    from_y="1 − e^y",
)

THRESHOLD = Activation(
    name="threshold",
    summary="Threshold: x above the threshold, a constant value elsewhere.",
    formula="f(x) = x if x > threshold else value",
    derivative="f′(x) = 1 if x > threshold else 0",
    kink="∇f(threshold) = 0 (PyTorch's convention); NaN stays NaN.",
    example="fastact.threshold(np.array([-1.0, 0.5, 2.0]), 1.0, -5.0)\narray([-5., -5.,  2.])",
    params=(Param("threshold", None, "The threshold", learnable=False),
            Param("value", None, "The value at and below the threshold", learnable=False)),
    from_y="1 if y > threshold else 0   (for value ≤ threshold)",
    from_y_check=lambda v: None if v["value"] <= v["threshold"] else
    f"needs value <= threshold, got value {v['value']} and threshold {v['threshold']}",
)

ELEMENTWISE: dict[str, Activation] = {
    a.name: a for a in (SIGMOID, TANH, MSAF, SYM_MSAF, RELU, LEAKY_RELU, ELU, SELU, CELU, GELU, SILU,
                        SWISH, MISH, SOFTPLUS, SOFTSIGN, HARDTANH, RELU6, HARDSIGMOID, HARDSWISH,
                        LOG_SIGMOID, THRESHOLD)
}

# --- functions along an axis, and per channel ----------------------------------------------------

_AXIS = Param("axis", -1, "The axis along which the function acts", learnable=False)

SOFTMAX = Activation(
    name="softmax", kind="axis",
    summary="Softmax along an axis.",
    formula="y_i = e^(x_i − m)/Σ_j e^(x_j − m),  m = max_j x_j",
    derivative="J = diag(y) − y·yᵀ;  VJP: y ⊙ (g − Σ g·y)",
    kink="A row holding +inf is NaN (inf − inf), as PyTorch.",
    example="fastact.softmax(np.array([1.0, 2.0, 3.0]))\narray([0.09003057, 0.24472847, 0.66524096])",
    params=(_AXIS,), from_y="y ⊙ (g − Σ g·y)",
)

LOG_SOFTMAX = Activation(
    name="log_softmax", kind="axis",
    summary="Logarithm of the softmax along an axis.",
    formula="y_i = x_i − m − log Σ_j e^(x_j − m),  m = max_j x_j",
    derivative="∂y_i/∂x_j = δ_ij − softmax(x)_j;  VJP: g − e^y·Σ g",
    kink="A row holding +inf is NaN; −inf entries give −inf, as PyTorch.",
    example="fastact.log_softmax(np.array([0.0, 0.0]))\narray([-0.69314718, -0.69314718])",
    params=(_AXIS,), from_y="g − e^y·Σ g",
)

SOFTMIN = Activation(
    name="softmin", kind="axis",
    summary="Softmin along an axis: softmax(−x).",
    formula="y_i = e^(m − x_i)/Σ_j e^(m − x_j),  m = min_j x_j",
    derivative="J = −(diag(y) − y·yᵀ);  VJP: −y ⊙ (g − Σ g·y)",
    kink="A row holding −inf is NaN (inf − inf), as PyTorch.",
    example="fastact.softmin(np.array([1.0, 2.0]))\narray([0.73105858, 0.26894142])",
    params=(_AXIS,), from_y="−y ⊙ (g − Σ g·y)",
)

PRELU = Activation(
    name="prelu", kind="channel",
    summary="Parametric ReLU (He et al. 2015): a learnable slope per channel.",
    formula="f(x) = x if x > 0 else w_c·x,  c = the index of x along axis",
    derivative="f′(x) = 1 if x > 0 else w_c;  ∂L/∂w_c = Σ_{x ≤ 0, channel c} g·x",
    kink="∇prelu(0) = w_c (PyTorch's convention). A weight of size 1 applies to every element.",
    example="fastact.prelu(np.array([[-1.0, 2.0], [-4.0, -1.0]]), np.array([0.1, 0.5]))\n"
            "array([[-0.1,  2. ],\n       [-0.4, -0.5]])",
    params=(Param("weight", None, "The slopes w: 1-D, of size 1 or x.shape[axis]"),
            Param("axis", 1, "The channel axis (PyTorch's default: 1)", learnable=False)),
    from_y="1 if y > 0 else w_c   (for all w > 0)",
)

AXIS: dict[str, Activation] = {a.name: a for a in (SOFTMAX, LOG_SOFTMAX, SOFTMIN)}
CHANNEL: dict[str, Activation] = {PRELU.name: PRELU}


@dataclass(frozen=True)
class Entry:
    """One row of :func:`fastact.activations`.

    ``params`` maps each parameter to its default (``None``: required); ``learnable`` names
    the parameters that ``NAME_param_grads`` differentiates; ``from_y`` says whether
    ``NAME_backward`` accepts the output y (``from_y_condition``: the formula and any
    condition on the parameters); ``functions`` are the public names of the entry.
    """

    name: str
    kind: str
    params: dict
    learnable: tuple[str, ...]
    from_y: bool
    from_y_condition: str | None
    functions: tuple[str, ...]
    summary: str
    formula: str
    derivative: str


_SUFFIXES = {"elementwise": ("", "_", "_derivative", "_backward"),
             "axis": ("", "_", "_backward", "_jacobian"),
             "channel": ("", "_", "_derivative", "_backward")}


def activations() -> list[Entry]:
    """The catalogue: every activation fastact provides, with its parameters and defaults,
    whether backward from the output y is supported, its learnable parameters and its public
    functions. The API, the tests and the benchmarks are generated from or checked against it.

    Examples
    --------
    >>> import fastact
    >>> [a.name for a in fastact.activations()][:3]
    ['sigmoid', 'tanh', 'msaf']
    """
    entries = []
    for spec in (*ELEMENTWISE.values(), *AXIS.values(), *CHANNEL.values()):
        suffixes = _SUFFIXES[spec.kind] + (("_param_grads",) if spec.learnable else ())
        entries.append(Entry(
            name=spec.name, kind=spec.kind, params={p.name: p.default for p in spec.params},
            learnable=spec.learnable, from_y=spec.from_y is not None, from_y_condition=spec.from_y,
            functions=tuple(spec.name + s for s in suffixes), summary=spec.summary,
            formula=spec.formula, derivative=spec.derivative))
    return entries
