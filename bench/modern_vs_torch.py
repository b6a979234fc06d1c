"""Time the modern activations against PyTorch's CPU kernels, and against a bandwidth probe.

    python bench/modern_vs_torch.py [--sizes 100000 1000000] [--big 30000000]

Prints medians (milliseconds) of fastact (numba backend) and torch at the same thread count,
forward out of place (and backward for some), then at the --big size in-place forward against
a numba parallel in-place scale x *= c on the same array (the memory-bandwidth bound).
"""

import argparse
import time

import numba
import numpy as np
import torch
import torch.nn.functional as F

import fastact

FORWARD = {
    "selu": (F.selu, {}), "celu": (F.celu, {}), "gelu": (F.gelu, {}),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), {"approximate": "tanh"}),
    "silu": (F.silu, {}), "mish": (F.mish, {}), "softplus": (F.softplus, {}),
    "softsign": (F.softsign, {}), "hardtanh": (F.hardtanh, {}), "relu6": (F.relu6, {}),
    "hardsigmoid": (F.hardsigmoid, {}), "hardswish": (F.hardswish, {}),
    "log_sigmoid": (F.logsigmoid, {}), "threshold": (lambda x: F.threshold(x, 0.5, -1.0),
                                                     {"threshold": 0.5, "value": -1.0}),
}
BACKWARD = {
    "gelu": lambda g, x: torch.ops.aten.gelu_backward(g, x), "silu": torch.ops.aten.silu_backward,
    "mish": torch.ops.aten.mish_backward, "hardswish": torch.ops.aten.hardswish_backward,
    "softplus": lambda g, x: torch.ops.aten.softplus_backward(g, x, 1.0, 20.0),
}


def median_ms(f, reps):
    f()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return 1e3 * float(np.median(times))


@numba.njit(parallel=True, cache=True)
def scale_(x, c):
    for i in numba.prange(x.size):
        x[i] *= c


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--big", type=int, default=30_000_000)
    parser.add_argument("--threads", type=int, default=fastact.get_num_threads())
    args = parser.parse_args()
    fastact.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    print(f"threads {args.threads}; fastact numba backend vs torch {torch.__version__}; median ms")
    for n in args.sizes:
        reps = 50 if n <= 100_000 else 15
        for dtype in (np.float32, np.float64):
            x = (np.random.default_rng(0).standard_normal(n) * 3).astype(dtype)
            g = np.ones_like(x)
            tx, tg = torch.from_numpy(x), torch.from_numpy(g)
            out = np.empty_like(x)
            print(f"\nn={n:.0e} {dtype.__name__}: function  fastact  torch  ratio(torch/fastact)")
            for label, (tf, params) in FORWARD.items():
                name = label.split("_tanh")[0]
                ours = median_ms(lambda: getattr(fastact, name)(x, **params, out=out), reps)
                theirs = median_ms(lambda: tf(tx), reps)
                print(f"  {label:12s} {ours:8.3f} {theirs:8.3f} {theirs / ours:6.2f}")
            for name, tb in BACKWARD.items():
                ours = median_ms(lambda: getattr(fastact, name + "_backward")(g, x, out=out), reps)
                theirs = median_ms(lambda: tb(tg, tx), reps)
                print(f"  {name + '_bwd':12s} {ours:8.3f} {theirs:8.3f} {theirs / ours:6.2f}")
            w = np.full(1, 0.25, dtype)
            xs = x.reshape(-1, 100)
            ours = median_ms(lambda: fastact.log_softmax(xs, axis=1), reps)
            theirs = median_ms(lambda: F.log_softmax(torch.from_numpy(xs), dim=1), reps)
            print(f"  {'log_softmax':12s} {ours:8.3f} {theirs:8.3f} {theirs / ours:6.2f}")
            ours = median_ms(lambda: fastact.prelu(x, w, out=out), reps)
            theirs = median_ms(lambda: F.prelu(tx, torch.from_numpy(w)), reps)
            print(f"  {'prelu':12s} {ours:8.3f} {theirs:8.3f} {theirs / ours:6.2f}")
    n = args.big
    for dtype in (np.float32, np.float64):
        x = (np.random.default_rng(0).standard_normal(n) * 3).astype(dtype)
        print(f"\nn={n:.0e} {dtype.__name__} in place: function  ms  GB/s  (bandwidth probe x *= c)")
        probe = median_ms(lambda: scale_(x, dtype(1.0)), 5)
        print(f"  {'probe':12s} {probe:8.2f} {2 * x.nbytes / probe / 1e6:6.1f}")
        for name, params in [("relu6", {}), ("hardswish", {}), ("silu", {}), ("gelu", {}), ("log_sigmoid", {})]:
            y = x.copy()
            ms = median_ms(lambda: getattr(fastact, name + "_")(y, **params), 5)
            print(f"  {name:12s} {ms:8.2f} {2 * x.nbytes / ms / 1e6:6.1f}  ({ms / probe:.2f}x the probe)")


if __name__ == "__main__":
    main()
