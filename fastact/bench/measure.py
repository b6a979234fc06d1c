"""Runs the benchmark: every (dtype, size, operation, implementation) group of cases, with the
bandwidth probe in the same rounds, and returns the raw samples as plain data (JSON-ready).

Within a group every case of the operation and the probe are timed interleaved
(:func:`fastact.bench.timing.interleaved`) on one :class:`~fastact.bench.cases.Workspace`,
so sample i of every case and of the probe come from the same round.
"""

from __future__ import annotations

import datetime
import glob
import os
import platform
import resource
import sys
import tracemalloc
from dataclasses import dataclass, field

import numpy as np

from fastact.bench import cases as table
from fastact._numba_backend import _Pool
from fastact.bench import gpu, timing

#: Implementations whose allocations tracemalloc sees (NumPy registers its buffers with it;
#: PyTorch's, numexpr's and XLA's allocators are invisible to it, as is GPU memory).
TRACED = ("fastact/", "numpy")


@dataclass
class Plan:
    """What to measure and how long."""

    implementations: list[str]
    functions: list[str]
    dtypes: list[str]
    sizes: list[int]
    ops: tuple = table.OPS
    budget_s: float = 0.3
    min_rounds: int = 5
    max_rounds: int = 300
    threads: int = 1
    mode: str = "quick"
    command: str = ""
    extra: dict = field(default_factory=dict)
    #: implementation → the only functions it is measured on (the others: every function).
    limited: dict = field(default_factory=dict)

    def groups(self) -> list[tuple[str, int, str, str]]:
        """(dtype, n, op, implementation), in the order they run."""
        return [(d, n, op, impl) for d in self.dtypes for n in self.sizes for op in self.ops
                for impl in self.implementations]


def allocated_bytes(runner: table.Runner) -> int:
    """Peak bytes traced by tracemalloc during one call (after its reset)."""
    runner.reset()
    tracemalloc.start()
    try:
        runner.call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_group(plan: Plan, dtype: str, n: int, op: str, implementation: str) -> list[dict]:
    """One record per case the implementation has, with its samples and the probe's."""
    ws = table.workspace(implementation, n, dtype)
    functions = [f for f in plan.functions if f in plan.limited.get(implementation, plan.functions)]
    bound = [(case, table.bind(implementation, case, ws)) for case in table.cases(functions, (op,))]
    bound = [(case, runner) for case, runner in bound if runner is not None]
    if not bound:
        return []
    times = timing.interleaved([runner for _, runner in bound] + [ws.probe(op)], budget_s=plan.budget_s,
                               min_rounds=plan.min_rounds, max_rounds=plan.max_rounds)
    traced = implementation.startswith(TRACED) and not gpu.on_gpu(implementation)
    records = []
    for i, (case, runner) in enumerate(bound):
        records.append({
            "implementation": implementation, "function": case.key, "op": op, "dtype": dtype, "n": n,
            "elements": case.elements(n), "streams": case.streams, "itemsize": ws.dtype.itemsize,
            "expression": runner.expression,
            "allocated_bytes": allocated_bytes(runner) if traced else None,
            "samples_ns": times[:, i].tolist(), "probe_ns": times[:, -1].tolist(), "paired": True,
        })
    return records


def machine() -> dict:
    """What ran the benchmark: CPU model, cores, Python and library versions."""
    import numba

    import fastact

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
                "fastact": fastact.__version__}
    for name in ("scipy", "torch", "numexpr", "jax", "cupy"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = module.__version__
    return {"cpu": cpu, "cores": fastact._threads.max_threads(), "platform": platform.platform(),
            "last_level_cache_bytes": last_level_cache_bytes(), "versions": versions,
            "threading_layer": numba.threading_layer() if _Pool.started else "not started (every loop ran serially)"}


def last_level_cache_bytes() -> int | None:
    """Size of CPU 0's last-level cache (Linux sysfs), or None where unknown."""
    best = None
    for index in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        try:
            with open(f"{index}/level") as f:
                level = int(f.read())
            with open(f"{index}/size") as f:
                text = f.read().strip()
        except (OSError, ValueError):
            continue
        scale = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(text[-1:], 1)
        size = int(text.rstrip("KMG")) * scale
        if best is None or level >= best[0]:
            best = (level, size)
    return None if best is None else best[1]


def run(plan: Plan, progress=None) -> dict:
    """Measure every group of the plan; returns ``{"meta": ..., "records": [...]}``."""
    records = []
    load_start = os.getloadavg()[0]
    groups = plan.groups()
    for index, (dtype, n, op, implementation) in enumerate(groups):
        if progress is not None:
            progress(index, len(groups), f"{implementation} {dtype} n={n:.0e} {op}")
        records.extend(measure_group(plan, dtype, n, op, implementation))
    if progress is not None:
        progress(len(groups), len(groups), "done")
    meta = {
        "format": "fastact-bench/1",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": plan.command, "mode": plan.mode, "threads": plan.threads,
        "implementations": plan.implementations, "functions": plan.functions, "dtypes": plan.dtypes,
        "sizes": plan.sizes, "ops": list(plan.ops), "budget_s": plan.budget_s,
        "min_rounds": plan.min_rounds, "max_rounds": plan.max_rounds,
        "load_average": {"start": load_start, "end": os.getloadavg()[0]},
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "machine": machine(), **plan.extra,
    }
    if any(gpu.on_gpu(impl) for impl in plan.implementations):
        meta["gpu"] = gpu.describe()
    return {"meta": meta, "records": records}
