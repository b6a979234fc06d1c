"""Elementary math for the kernels (placeholder: the C library's functions)."""

from math import erf, exp, expm1, log, log1p, tanh

__all__ = ["erf", "exp", "expm1", "log", "log1p", "tanh"]
