"""fastact: activation functions and their derivatives, as fast NumPy-compatible functions.

Every activation ``NAME`` comes as ``NAME`` (forward), ``NAME_`` (in place),
``NAME_derivative``, ``NAME_backward`` (vector-Jacobian product, from the input or the output)
and, with learnable parameters, ``NAME_param_grads``. Kernels come from a backend: ``numba``
(parallel CPU), or ``numpy`` (the reference); see :func:`backends`.
Importing fastact compiles nothing: each kernel compiles on its first call and is cached on disk.
"""

from fastact._api import GENERATED as _GENERATED
from fastact._axis import (log_softmax, log_softmax_, log_softmax_backward, log_softmax_jacobian, softmin,
                           softmin_, softmin_backward, softmin_jacobian)
from fastact._bias import BiasActGrads, bias_act, bias_act_backward
from fastact._catalog import activations
from fastact._dispatch import BackendUnavailableError, backends, get_backend, set_backend, use_backend
from fastact._losses import softmax_cross_entropy, softmax_cross_entropy_backward
from fastact._prelu import prelu, prelu_, prelu_backward, prelu_derivative, prelu_param_grads
from fastact._softmax import softmax, softmax_, softmax_backward, softmax_jacobian
from fastact._threads import get_num_threads, set_num_threads

globals().update(_GENERATED)

__version__ = "0.1.0"
__all__ = sorted([*_GENERATED, "softmax", "softmax_", "softmax_backward", "softmax_jacobian",
                  "log_softmax", "log_softmax_", "log_softmax_backward", "log_softmax_jacobian",
                  "softmin", "softmin_", "softmin_backward", "softmin_jacobian",
                  "prelu", "prelu_", "prelu_derivative", "prelu_backward", "prelu_param_grads",
                  "activations",
                  "backends", "get_backend", "set_backend", "use_backend", "BackendUnavailableError",
                  "get_num_threads", "set_num_threads", "bias_act", "bias_act_backward", "BiasActGrads",
                  "softmax_cross_entropy", "softmax_cross_entropy_backward"])
