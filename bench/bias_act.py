"""Fused bias + activation against two separate calls and against PyTorch's pair of calls.

    python bench/bias_act.py [--sizes 1e6,3e7] [--budget 3]

For v = f(u − θ) with θ one threshold per feature (rows of 1,000 features): fastact's fused
``bias_act`` (one pass: u read, v written; θ stays in cache), the unfused ``u − θ`` followed by
the in-place activation (two passes), and PyTorch's ``F.relu(x - b)`` / ``torch.sigmoid(x - b)``.
Each is timed interleaved with the bandwidth probe (:mod:`fastact.bench.probe`, 2 streams) in
the same rounds; the table gives the median time and the fraction of the probe bandwidth for
2 streams (probe time / case time).
"""

from __future__ import annotations

import argparse

import numpy as np

import fastact
from fastact.bench import probe, timing

FEATURES = 1000


class Op:
    def __init__(self, call, reset=lambda: None):
        self.call, self.reset = call, reset


def cases(u: np.ndarray, theta: np.ndarray, activation: str):
    out = np.empty_like(u)
    inplace = getattr(fastact, activation + "_")
    yield "fastact bias_act (fused)", Op(lambda: fastact.bias_act(u, theta, activation, out=out))
    yield "fastact u - θ, then NAME_", Op(lambda: inplace(np.subtract(u, theta, out=out)))
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(fastact.get_num_threads())
    tu, tb = torch.from_numpy(u), torch.from_numpy(theta)
    f = {"relu": torch.nn.functional.relu, "sigmoid": torch.sigmoid}[activation]
    yield "torch f(x - b)", Op(lambda: f(tu - tb))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,3e7")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per size and activation")
    args = parser.parse_args()
    print(f"{'n':>8} {'dtype':8} {'activation':9} {'implementation':28} {'median ms':>10} {'of probe':>9}")
    for n in (int(float(s)) for s in args.sizes.split(",")):
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(0)
            u = rng.standard_normal((n // FEATURES, FEATURES)).astype(dtype)
            theta = rng.standard_normal(FEATURES).astype(dtype)
            scratch = u.copy().reshape(-1)
            for activation in ("relu", "sigmoid"):
                named = list(cases(u, theta, activation))
                ops = [Op(lambda: probe.scale_(scratch))] + [op for _, op in named]
                ns = timing.interleaved(ops, budget_s=args.budget, min_rounds=5, max_rounds=200)
                medians = np.median(ns, axis=0)
                for (name, _), t in zip(named, medians[1:]):
                    print(f"{n:8.0e} {np.dtype(dtype).name:8} {activation:9} {name:28} {t / 1e6:10.3f} "
                          f"{medians[0] / t:9.0%}")


if __name__ == "__main__":
    main()
