"""The catalogue of activations: names, parameters, formulas and what each supports.

This table is the single description that the public API (:mod:`fastact._api`), the
backends, the tests and the benchmarks are generated from or checked against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Param:
    """One parameter of an activation.

    ``vector`` parameters accept a float or a non-empty 1-D sequence of floats (MSAF's
    shifts); the others accept one finite real number.
    """

    name: str
    default: object
    doc: str
    learnable: bool = True
    vector: bool = False

    def validate(self, value: object, function: str) -> float | tuple[float, ...]:
        """Return ``value`` as a float (or tuple of floats); raise naming the parameter."""
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
    ``from_y_check`` returns an error message when backward from ``y`` is not valid for the
    given parameters (``None`` when it is); ``from_y`` is ``None`` when the output never
    determines the derivative.
    """

    name: str
    summary: str
    formula: str
    derivative: str
    kink: str
    example: str
    params: tuple[Param, ...] = ()
    from_y: str | None = None
    from_y_check: Callable[[dict], str | None] = field(default=lambda values: None)
    kernel_order: tuple[str, ...] | None = None

    @property
    def learnable(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.learnable)

    def validate(self, values: tuple) -> tuple:
        """Check the parameter values (in ``params`` order) and return them normalised."""
        for v in values:
            if type(v) is not float or v - v != 0.0:
                break
        else:  # every value a finite float (or none): the common case, kept cheap
            return values
        return tuple([p.validate(v, self.name) for p, v in zip(self.params, values)])

    def check_from_y(self, values: tuple) -> None:
        """Raise ValueError when backward from ``y`` is not valid for these parameters."""
        if self.from_y is None:
            raise ValueError(f"{self.name}_backward: the output y does not determine the "
                             f"derivative; pass the input x instead")
        message = self.from_y_check(dict(zip(self.param_names, values)))
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
        cast = dtype.type
        packed = []
        for name in self.kernel_order or self.param_names:
            value = named[name]
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

ELEMENTWISE: dict[str, Activation] = {
    a.name: a for a in (SIGMOID, TANH, MSAF, SYM_MSAF, RELU, LEAKY_RELU, ELU)
}
