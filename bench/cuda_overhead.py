"""Host cost of one fastact call on GPU arrays: microseconds per call on a tiny array (the GPU
work is a few microseconds, so the host's checks, wrapping and launch dominate), for numba
device arrays, CuPy arrays and PyTorch CUDA tensors where installed, beside the floor (an empty
numba kernel launched the usual way) and PyTorch's own ``relu_``.

    python bench/cuda_overhead.py            # on a GPU
    python bench/cuda_overhead.py --sim      # numba's CUDA simulator: runs every path once

Each figure: one call to warm up (compilation), the device synchronized, ``--repeat`` calls, the
device synchronized again; the wall time divided by the calls.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

ARGS = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ARGS.add_argument("--sim", action="store_true", help="numba's CUDA simulator: one call per path, no timing")
ARGS.add_argument("--repeat", type=int, default=2000, help="timed calls per figure")
ARGS.add_argument("--size", type=int, default=4, help="elements of the arrays (rows of softmax: 4 of size/4)")
OPTIONS = ARGS.parse_args()
if OPTIONS.sim:
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"  # before numba.cuda is first imported

from numba import cuda  # noqa: E402

import fastact  # noqa: E402
from fastact.bench.gpu import usable_peers  # noqa: E402


def per_call_us(call, synchronize) -> float:
    call()
    synchronize()
    repeat = 1 if OPTIONS.sim else OPTIONS.repeat
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    synchronize()
    return (time.perf_counter() - started) / repeat * 1e6


@cuda.jit
def empty_kernel(x):
    pass


def main() -> None:
    torch, cupy = usable_peers()
    host = np.linspace(-2, 2, OPTIONS.size, dtype=np.float32)
    rows = host.reshape(4, -1) if OPTIONS.size % 4 == 0 else host.reshape(1, -1)
    kinds = {"numba": (cuda.to_device, cuda.synchronize)}
    if cupy is not None:
        kinds["cupy"] = (cupy.asarray, cupy.cuda.Device().synchronize)
    if torch is not None:
        kinds["torch"] = (lambda a: torch.as_tensor(a, device="cuda"), torch.cuda.synchronize)
    print(f"host µs per call, float32, {OPTIONS.size} elements" + (" (simulator: paths only)" if OPTIONS.sim else ""))
    numba_x = cuda.to_device(host)
    floor = per_call_us(lambda: empty_kernel[1, 32](numba_x), cuda.synchronize)
    print(f"  {'floor: empty numba kernel[1, 32](x)':48s} {floor:8.1f}")
    if torch is not None:
        t = torch.as_tensor(host, device="cuda")
        print(f"  {'torch relu_ (torch tensor)':48s} {per_call_us(t.relu_, torch.cuda.synchronize):8.1f}")
        print(f"  {'torch sigmoid_backward (torch tensors)':48s} "
              f"{per_call_us(lambda: torch.ops.aten.sigmoid_backward(t, t), torch.cuda.synchronize):8.1f}")
    for kind, (to_device, synchronize) in kinds.items():
        x, g, out, r = to_device(host), to_device(host[::-1].copy()), to_device(np.empty_like(host)), to_device(rows)
        calls = {
            "relu_(x)": lambda: fastact.relu_(x),
            "relu(x, out=out)": lambda: fastact.relu(x, out=out),
            "sigmoid_backward(g, x)": lambda: fastact.sigmoid_backward(g, x),
            "sigmoid_backward(g, x, out=out)": lambda: fastact.sigmoid_backward(g, x, out=out),
            "softmax_(rows)": lambda: fastact.softmax_(r),
        }
        for label, call in calls.items():
            print(f"  {'fastact ' + label + ' (' + kind + ')':48s} {per_call_us(call, synchronize):8.1f}")


if __name__ == "__main__":
    main()
