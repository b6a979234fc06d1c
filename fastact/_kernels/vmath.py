"""Elementary math for the kernels (placeholder: the C library's functions)."""

from math import exp, expm1, tanh

__all__ = ["exp", "expm1", "tanh"]
