"""``fastact bench``: measure every activation on every backend beside the peers, and report.

Quick mode (the default) measures float32 at n = 1e3, 1e5 and 1e6 with short time budgets,
under a minute on 2 cores from a fresh install: the numba backend, which compiles each loop on
first use, on the claim's functions only (relu, sigmoid, softmax) unless ``--functions`` names
others, and JAX, slow to compile, only when named in ``--peers``; ``--full`` measures float32 and float64 at n = 1e3 … 3e7 with longer
budgets. ``--backend``, ``--peers``, ``--dtype``, ``--sizes``, ``--functions`` and ``--ops``
narrow the run; ``--from-json`` rebuilds the report
from saved results (``results.json``, or pytest-benchmark's JSON of the ``bench/`` suite).
"""

from __future__ import annotations

import argparse
import pathlib
import shlex
import sys

MODES = {
    # JAX compiles every case for each shape (+14–17 CPU-seconds in the quick run on 2 cores): only when named in --peers
    # numba compiles each loop on first use (~1 s each; ~80 for every function): the quick run
    # measures it on the claim's functions only, unless --functions names others
    "quick": {"dtypes": ["float32"], "sizes": [1_000, 100_000, 1_000_000], "budget_s": 0.25,
              "min_rounds": 5, "max_rounds": 300, "opt_in_peers": ("jax",),
              "jit_functions": ("relu", "sigmoid", "softmax[10]", "softmax[1000]")},
    "full": {"dtypes": ["float32", "float64"],
             "sizes": [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 30_000_000], "budget_s": 2.0,
             "min_rounds": 10, "max_rounds": 1000, "opt_in_peers": (), "jit_functions": None},
}


def _list(text: str) -> list[str]:
    return [item for item in text.replace(" ", ",").split(",") if item]


def _sizes(text: str) -> list[int]:
    sizes = [int(float(item)) for item in _list(text)]
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fastact bench", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="float32, n = 1e3, 1e5, 1e6, short budgets (the default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="float32 and float64, n = 1e3 … 3e7, longer budgets")
    p.add_argument("--backend", type=_list, help="fastact backends, comma-separated "
                   "(default: every usable one but the numpy reference)")
    p.add_argument("--peers", type=_list, help="peers, comma-separated: numpy, torch, numexpr, jax (CPU), "
                   "cupy and torch on the GPU beside --backend cuda, or 'none' (default: every installed one; "
                   "jax only with --full)")
    p.add_argument("--dtype", type=_list, help="float32 and/or float64")
    p.add_argument("--sizes", type=_sizes, help="element counts, e.g. 1e3,1e5")
    p.add_argument("--functions", type=_list, help="e.g. relu,sigmoid,softmax[10] (default: all)")
    p.add_argument("--ops", type=_list, help="forward and/or backward (default: both)")
    p.add_argument("--threads", type=int, help="threads for fastact, PyTorch and numexpr (default: all cores)")
    p.add_argument("--budget", type=float, help="seconds per group of cases (default: by mode)")
    p.add_argument("--out", type=pathlib.Path, default=pathlib.Path("fastact-bench"),
                   help="folder for report.md, results.json and plots/ (default: ./fastact-bench)")
    p.add_argument("--from-json", type=pathlib.Path, help="rebuild the report from this JSON; measure nothing")
    p.set_defaults(mode="quick")
    return p


def _plan(args: argparse.Namespace, command: str):
    import fastact
    from fastact.bench import cases, measure, peers

    settings = MODES[args.mode]
    if args.threads is not None:
        fastact.set_num_threads(args.threads)
    threads = fastact.get_num_threads()
    peers.configure_threads(threads)
    for dtype in args.dtype or []:
        if dtype not in ("float32", "float64"):
            raise SystemExit(f"fastact bench: --dtype must be float32 or float64, got {dtype!r}")
    for op in args.ops or []:
        if op not in cases.OPS:
            raise SystemExit(f"fastact bench: --ops must be forward or backward, got {op!r}")
    chosen_peers = [] if args.peers == ["none"] else args.peers
    try:
        implementations = cases.implementations(args.backend, chosen_peers, settings["opt_in_peers"])
        cases.cases(args.functions)  # checks the names
        functions = args.functions or cases.functions()
    except ValueError as error:
        raise SystemExit(f"fastact bench: {error}") from None
    return measure.Plan(implementations=implementations, functions=functions,
                        dtypes=args.dtype or settings["dtypes"], sizes=args.sizes or settings["sizes"],
                        ops=tuple(args.ops or cases.OPS), budget_s=args.budget or settings["budget_s"],
                        min_rounds=settings["min_rounds"], max_rounds=settings["max_rounds"], threads=threads,
                        mode=args.mode, command=command,
                        limited={} if args.functions or settings["jit_functions"] is None else
                        {"fastact/numba": settings["jit_functions"]})


def main(argv: list[str] | None = None) -> int:
    """Run ``fastact bench`` with ``argv`` (the arguments after ``bench``)."""
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    from fastact.bench import overhead, report
    from fastact.bench.progress import Progress

    if args.from_json is not None:
        results = report.load(args.from_json)
    else:
        from fastact.bench import measure

        plan = _plan(args, "fastact bench " + shlex.join(argv))
        progress = Progress()
        progress(0, 1, "fixed costs: import fastact, one 1-element call")
        plan.extra["overhead"] = {"import_s": overhead.import_seconds(3), "call_ns": overhead.call_overhead_ns()}
        results = measure.run(plan, progress)
    paths = report.write(results, args.out)
    sys.stdout.write(report.terminal_table(results))
    written = [paths["markdown"], paths.get("json"), *paths["plots"]]
    print(f"\nwrote {', '.join(str(p) for p in written[:2] if p)}"
          + (f" and {len(paths['plots'])} plots in {args.out / 'plots'}" if paths["plots"] else
             " (no plots: matplotlib is not installed)"))
    return 0
