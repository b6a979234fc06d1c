"""A small neural-network toolkit on fastact: a dense layer and SGD with momentum.

Enough to train a multilayer perceptron in NumPy + fastact, and to show how to embed fastact's
forward and backward passes in a training loop; not a framework.

Examples
--------
>>> import numpy as np
>>> from fastact import nn
>>> rng = np.random.default_rng(0)
>>> model = [nn.Dense(4, 8, "relu", rng=rng), nn.Dense(8, 3, None, rng=rng)]
>>> optimizer = nn.SGD(model, lr=0.1, momentum=0.9)
>>> x, labels = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
>>> loss = nn.train_step(model, optimizer, x, labels)
"""

from __future__ import annotations

import numpy as np

import fastact
from fastact._bias import _activation, _bind


class Dense:
    """A fully connected layer v = f(s·W − θ) (the neuron model of REFERENCE.md).

    ``activation`` names an element-wise activation of fastact (its parameters are fixed: pass
    them positionally or by name), or None for the identity (a classifier's output layer).
    The layer keeps what its backward pass needs: its input s and, where the activation's output
    determines the derivative, only the output y; otherwise the pre-activation u.
    Weights are drawn with He scaling, N(0, 2/n_in); thresholds start at 0.
    """

    def __init__(self, n_in: int, n_out: int, activation: str | None = "relu", *params,
                 dtype=np.float32, rng: np.random.Generator | None = None, **named):
        rng = rng if rng is not None else np.random.default_rng()
        self.W = (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype)
        self.theta = np.zeros(n_out, dtype)
        self.activation = activation
        if activation is not None:
            spec = _activation(activation, "Dense")
            self.params = dict(zip(spec.param_names, _bind(spec, params, named, "Dense")))
            try:
                spec.check_from_y(tuple(self.params.values()))
                self._from_y = True
            except ValueError:
                self._from_y = False
        self.grads: dict[str, np.ndarray] = {}
        self._saved: tuple = ()

    def parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays, updated in place by an optimizer."""
        return {"W": self.W, "theta": self.theta}

    def forward(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=self.W.dtype)
        u = s @ self.W
        if self.activation is None:
            u -= self.theta
            self._saved = (s, None)
            return u
        v = fastact.bias_act(u, self.theta, self.activation, **self.params)
        self._saved = (s, v if self._from_y else u)
        return v

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Store dL/dW and dL/dθ in ``grads``; return dL/ds."""
        s, kept = self._saved
        if self.activation is None:
            du, dtheta = grad, -grad.sum(axis=0)
        elif self._from_y:
            du, dtheta, _ = fastact.bias_act_backward(grad, None, self.theta, self.activation, y=kept, **self.params)
        else:
            du, dtheta, _ = fastact.bias_act_backward(grad, kept, self.theta, self.activation, **self.params)
        self.grads = {"W": s.T @ du, "theta": dtheta}
        return du @ self.W.T


class SGD:
    """Stochastic gradient descent with momentum: v ← μ·v − lr·g,  p ← p + v."""

    def __init__(self, layers: list, lr: float = 0.1, momentum: float = 0.9):
        self.layers, self.lr, self.momentum = layers, lr, momentum
        self._velocity = [{k: np.zeros_like(p) for k, p in layer.parameters().items()} for layer in layers]

    def step(self) -> None:
        for layer, velocity in zip(self.layers, self._velocity):
            for name, p in layer.parameters().items():
                v = velocity[name]
                v *= self.momentum
                v -= self.lr * layer.grads[name]
                p += v


def forward(layers: list, x: np.ndarray) -> np.ndarray:
    """The logits of a stack of layers."""
    for layer in layers:
        x = layer.forward(x)
    return x


def train_step(layers: list, optimizer: SGD, x: np.ndarray, labels: np.ndarray) -> float:
    """One step of softmax cross-entropy training; returns the batch's mean loss."""
    logits = forward(layers, x)
    loss = float(fastact.softmax_cross_entropy(logits, labels))
    grad = fastact.softmax_cross_entropy_backward(logits, labels)
    for layer in reversed(layers):
        grad = layer.backward(grad)
    optimizer.step()
    return loss
