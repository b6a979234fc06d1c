"""Train a multilayer perceptron on scikit-learn's handwritten digits with fastact.

The forward and backward passes of every activation run in fastact (fused bias + activation,
fused softmax + cross-entropy); the matrix products are NumPy's. No download: the 1,797 8×8
digit images ship with scikit-learn.

    python examples/train_digits.py            # full run: reaches ≥ 95 % test accuracy
    python examples/train_digits.py --epochs 3 # a short run
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from fastact import nn


def progress(epoch: int, epochs: int, loss: float, accuracy: float, width: int = 30) -> None:
    done = width * epoch // epochs
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] epoch {epoch}/{epochs} "
                     f"loss {loss:.4f} test accuracy {accuracy:.3f}")
    sys.stderr.flush()


def accuracy(layers: list, x: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(nn.forward(layers, x), axis=1) == labels))


def train(epochs: int = 15, batch: int = 32, hidden: int = 128, activation: str = "elu",
          lr: float = 0.05, seed: int = 0, quiet: bool = False) -> dict:
    """Train and return {"losses": per-epoch mean loss, "accuracy": test accuracy, "seconds": ...}."""
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25,
                                                        random_state=seed, stratify=digits.target)
    rng = np.random.default_rng(seed)
    layers = [nn.Dense(64, hidden, activation, rng=rng), nn.Dense(hidden, hidden, activation, rng=rng),
              nn.Dense(hidden, 10, None, rng=rng)]
    optimizer = nn.SGD(layers, lr=lr, momentum=0.9)
    start = time.perf_counter()
    losses = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        epoch_losses = [nn.train_step(layers, optimizer, x_train[idx], y_train[idx])
                        for idx in np.array_split(order, len(order) // batch)]
        losses.append(float(np.mean(epoch_losses)))
        if not quiet:
            progress(epoch, epochs, losses[-1], accuracy(layers, x_test, y_test))
    result = {"losses": losses, "accuracy": accuracy(layers, x_test, y_test),
              "seconds": time.perf_counter() - start}
    if not quiet:
        sys.stderr.write("\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--activation", default="elu")
    args = parser.parse_args()
    result = train(epochs=args.epochs, activation=args.activation)
    print(f"test accuracy {result['accuracy']:.4f} after {args.epochs} epochs "
          f"in {result['seconds']:.1f} s (final training loss {result['losses'][-1]:.4f})")


if __name__ == "__main__":
    main()
