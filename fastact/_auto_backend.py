"""``backend="auto"``: picks a backend per call.

The rule: the numba backend for every NumPy array (it is the only compiled CPU backend so
far); the NumPy reference where numba is not installed.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("numba") is not None:
    from fastact import _numba_backend as _cpu
else:  # pragma: no cover - numba is a dependency
    from fastact import _reference as _cpu


elementwise = _cpu.elementwise
param_grads = _cpu.param_grads
softmax = _cpu.softmax
softmax_vjp = _cpu.softmax_vjp
bias_act = _cpu.bias_act
bias_act_vjp = _cpu.bias_act_vjp
bias_param_grads = _cpu.bias_param_grads
log_softmax = _cpu.log_softmax
log_softmax_vjp = _cpu.log_softmax_vjp
softmin = _cpu.softmin
softmin_vjp = _cpu.softmin_vjp
prelu = _cpu.prelu
prelu_weight_grad = _cpu.prelu_weight_grad
