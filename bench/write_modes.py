"""What writing in place, into a separate array, or into a new array costs at n = 3e7 (DRAM).

The bandwidth probe (``x *= -1``, 2 streams) reads and writes the same cache lines. A pass that
writes a separate array moves a read stream and a write stream to different addresses (with
streaming stores past 32 MiB, no write-allocate reads); a backward pass reads two arrays and
writes a third, or writes into its incoming gradient. This script times each form beside the
probe, interleaved round by round, with a copy by NumPy (one thread) and by PyTorch (when
installed) as the reference for what any out-of-place pass can reach here::

    python bench/write_modes.py [--n 3e7] [--rounds 15] [--dtype float32]

Each line: median ms, GB/s for the streams it must move, and the fraction of the probe.
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np

import fastact
from fastact.bench.probe import scale_


def cases(n: int, dtype: np.dtype) -> dict:
    """name → (call, streams, untimed reset or None)."""
    rng = np.random.default_rng(0)
    features = 1000
    u = rng.standard_normal((n // features, features)).astype(dtype)
    theta = rng.standard_normal(features).astype(dtype)
    g0 = rng.standard_normal(u.shape).astype(dtype)
    g, y = g0.copy(), fastact.sigmoid(u)
    out = np.empty_like(u)

    def restore_g():  # the passes into g would otherwise shrink it round by round to subnormals
        np.copyto(g, g0)

    scratch = u.ravel().copy()
    table = {
        "probe: x *= -1 in place": (lambda: scale_(scratch), 2, None),
        "np.copyto(out, x) (1 thread)": (lambda: np.copyto(out, u), 2, None),
        "fastact.relu_(x)": (lambda: fastact.relu_(scratch), 2, None),
        "fastact.relu(x, out=out)": (lambda: fastact.relu(u, out=out), 2, None),
        "fastact.bias_act(u, θ, 'relu', out=out)": (lambda: fastact.bias_act(u, theta, "relu", out=out), 2, None),
        "fastact.bias_act(u, θ, 'relu', out=u)": (lambda: fastact.bias_act(scratch.reshape(u.shape), theta, "relu",
                                                                          out=scratch.reshape(u.shape)), 2, None),
        "fastact.relu_backward(g, x, out=out)": (lambda: fastact.relu_backward(g, u, out=out), 3, None),
        "fastact.relu_backward(g, x, out=g)": (lambda: fastact.relu_backward(g, u, out=g), 3, restore_g),
        "fastact.leaky_relu_backward(g, x, out=g)": (lambda: fastact.leaky_relu_backward(g, u, out=g), 3, restore_g),
        "fastact.sigmoid_backward(g, y=y, out=out)": (lambda: fastact.sigmoid_backward(g, y=y, out=out), 3, None),
        "fastact.sigmoid_backward(g, y=y, out=g)": (lambda: fastact.sigmoid_backward(g, y=y, out=g), 3, restore_g),
    }
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(fastact.get_num_threads())
        tu, tout = torch.from_numpy(u), torch.from_numpy(out)
        table["torch: out.copy_(x)"] = (lambda: tout.copy_(tu), 2, None)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=float, default=3e7)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    dtype, n = np.dtype(args.dtype), int(args.n) // 1000 * 1000
    table = cases(n, dtype)
    for call, _, _ in table.values():
        call()  # compiles, touches pages
    samples = {name: [] for name in table}
    for _ in range(args.rounds):
        for name, (call, _, reset) in table.items():
            if reset is not None:
                reset()
            start = time.perf_counter()
            call()
            samples[name].append(time.perf_counter() - start)
    probe = float(np.median(samples["probe: x *= -1 in place"]))
    probe_rate = 2 * n * dtype.itemsize / probe
    print(f"n = {n:.0e} {dtype}, {fastact.get_num_threads()} threads, medians of {args.rounds} interleaved rounds")
    for name, (_, streams, _) in table.items():
        t = float(np.median(samples[name]))
        rate = streams * n * dtype.itemsize / t
        print(f"  {name:44s} {t * 1e3:8.2f} ms {rate / 1e9:6.1f} GB/s {rate / probe_rate:6.0%} of the probe")


if __name__ == "__main__":
    main()
