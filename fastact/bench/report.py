"""Everything ``fastact bench`` writes, computed from the raw samples alone (so ``--from-json``
rebuilds the same report): the terminal table, the Markdown report, the JSON file and PNG plots.

Per case: ns/element = median time / elements; GB/s = streams · elements · itemsize / median
time; fraction of the probe = the case's bytes per second over the probe's, the probe timed
in the same round (median over rounds).

The claim: per element, relu is cheaper than sigmoid, and sigmoid is cheaper than softmax
(rows of 10 and of 1,000). For each implementation, dtype, size and operation, the ratio
t(costlier) / t(cheaper) per element gets a 95 % bootstrap interval from the paired rounds
and a verdict (:func:`fastact.bench.timing.verdict`); each is put in a regime: "call
overhead" when the cheaper call takes under ``OVERHEAD_NS``, "DRAM" when the arrays it streams
exceed the last-level cache, "in cache" otherwise.
"""

from __future__ import annotations

import json
import math
import pathlib
from collections import Counter, defaultdict

import numpy as np

from fastact.bench import timing

CLAIM_PAIRS = (("relu", "sigmoid"), ("sigmoid", "softmax[10]"), ("sigmoid", "softmax[1000]"))
OVERHEAD_NS = 10_000
#: What each regime predicts for the claim, and why.
EXPECTED = {
    "call overhead": ("indistinguishable", "a fixed cost per call (argument checks, dispatch, thread "
                      "wake-up) outweighs the work on the elements"),
    "in cache": ("holds", "compute-bound: with the data in cache the costlier arithmetic shows "
                 "(an exp per element against a max; softmax adds a row maximum and a row sum)"),
    "DRAM": ("indistinguishable", "bandwidth-bound: both stream the same bytes from DRAM, unless the "
             "costlier function cannot keep up with memory (a fraction of the probe well below 1)"),
}


# --- numbers -----------------------------------------------------------------------------------

def summarize(record: dict) -> dict:
    """ns/element, GB/s, the probe's GB/s and the fraction of the probe of one case."""
    t = np.asarray(record["samples_ns"], dtype=np.float64)
    p = np.asarray(record["probe_ns"], dtype=np.float64)
    moved = record["streams"] * record["elements"] * record["itemsize"]
    probe_moved = 2 * record["n"] * record["itemsize"]
    if record.get("paired", True) and t.size == p.size:
        fraction = float(np.median((moved / t) / (probe_moved / p)))
    else:
        fraction = float((moved / np.median(t)) / (probe_moved / np.median(p)))
    return {"ns_per_element": float(np.median(t)) / record["elements"], "gb_per_s": moved / float(np.median(t)),
            "probe_gb_per_s": probe_moved / float(np.median(p)), "fraction": fraction,
            "median_ns": float(np.median(t)), "rounds": int(t.size)}


def regime(cheaper: dict, llc_bytes: int | None) -> str:
    """"call overhead", "in cache" or "DRAM" for a claim (see the module docstring)."""
    if np.median(cheaper["samples_ns"]) < OVERHEAD_NS:
        return "call overhead"
    streamed = cheaper["streams"] * cheaper["n"] * cheaper["itemsize"]
    return "DRAM" if llc_bytes is not None and streamed > llc_bytes else "in cache"


def claims(results: dict) -> list[dict]:
    """One row per (implementation, dtype, n, op, pair) that has both functions."""
    index = {(r["implementation"], r["dtype"], r["n"], r["op"], r["function"]): r for r in results["records"]}
    llc = results["meta"].get("machine", {}).get("last_level_cache_bytes")
    rows = []
    for (impl, dtype, n, op, function), cheaper in index.items():
        for a, b in CLAIM_PAIRS:
            costlier = index.get((impl, dtype, n, op, b))
            if function != a or costlier is None:
                continue
            ta = np.asarray(cheaper["samples_ns"], np.float64) / cheaper["elements"]
            tb = np.asarray(costlier["samples_ns"], np.float64) / costlier["elements"]
            paired = cheaper.get("paired", True) and costlier.get("paired", True) and ta.size == tb.size
            ratio, low, high = timing.ratio_interval(ta, tb, paired=paired)
            rows.append({"implementation": impl, "dtype": dtype, "n": n, "op": op, "cheaper": a, "costlier": b,
                         "ratio": ratio, "low": low, "high": high, "paired": paired,
                         "verdict": timing.verdict(low, high), "regime": regime(cheaper, llc)})
    return rows


# --- text --------------------------------------------------------------------------------------

def _size(n: int) -> str:
    exponent = int(math.floor(math.log10(n))) if n > 0 else 0
    mantissa = n / 10 ** exponent
    return f"{mantissa:g}e{exponent}" if mantissa != int(mantissa) or mantissa != 1 else f"1e{exponent}"


def _blocks(results: dict) -> dict:
    """(dtype, n, op) → function → implementation → (summary, record), in table order."""
    blocks = defaultdict(lambda: defaultdict(dict))
    for r in results["records"]:
        blocks[(r["dtype"], r["n"], r["op"])][r["function"]][r["implementation"]] = (summarize(r), r)
    return blocks


def terminal_table(results: dict) -> str:
    """Per dtype, size and operation: ns/element and the fraction of the probe per implementation."""
    impls = results["meta"]["implementations"]
    lines = []
    for (dtype, n, op), functions in _blocks(results).items():
        lines.append(f"\n{dtype}  n={_size(n)}  {op}   (ns/element, % of the bandwidth probe)")
        lines.append(f"{'':15}" + "".join(f"{impl:>22}" for impl in impls))
        for function, by_impl in functions.items():
            cells = []
            for impl in impls:
                if impl in by_impl:
                    s = by_impl[impl][0]
                    cells.append(f"{s['ns_per_element']:9.3g} ns {s['fraction']:6.0%}")
                else:
                    cells.append("—")
            lines.append(f"{function:15}" + "".join(f"{c:>22}" for c in cells))
    counts = Counter((c["verdict"]) for c in claims(results))
    lines.append(f"\nclaim (relu < sigmoid < softmax per element): " +
                 ", ".join(f"{v} {counts[v]}" for v in ("holds", "fails", "indistinguishable")))
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def _meta_lines(meta: dict) -> list[str]:
    m = meta.get("machine", {})
    versions = ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items())
    llc = m.get("last_level_cache_bytes")
    lines = [
        f"- Command: `{meta.get('command', '')}`",
        f"- Date (UTC): {meta.get('date', '?')}; mode: {meta.get('mode', '?')}",
        f"- Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, last-level cache "
        f"{'?' if llc is None else f'{llc / 2**20:g} MiB'}; {m.get('platform', '')}",
        f"- Versions: {versions}; numba threading layer: {m.get('threading_layer', '?')}",
        f"- Threads: fastact {meta.get('threads', '?')}; PyTorch and numexpr set to the same "
        f"(`torch.set_num_threads`, `numexpr.set_num_threads`); NumPy's element-wise functions run on one thread; "
        f"JAX (XLA) picks its own.",
        f"- Timing: per group (implementation, dtype, size, operation) every case and the probe run once per "
        f"round in rotating order, ≥ {meta.get('min_rounds', '?')} rounds and ≥ {meta.get('budget_s', '?')} s, "
        f"≤ {meta.get('max_rounds', '?')} rounds; a forward case restores its input (untimed) before each call.",
        "- Probe: `x *= -1` in place by a numba loop on an array of the same size and dtype (2 streams; "
        "serial below fastact's parallel threshold, parallel above). Bytes moved: forward in place 2 streams, "
        "backward 3 (g, x or y, out).",
    ]
    if meta.get("gpu"):
        g = meta["gpu"]
        lines.append(f"- GPU: {g['name']}{' (timings meaningless)' if g['simulated'] else ''}; "
                     f"GPU implementations run on device-resident {g['arrays']}, each call and reset ending in a "
                     "device synchronize before the clock is read; their probe is a device-to-device copy x ← x0 "
                     "of the same size and dtype.")
    if meta.get("source"):
        lines.append(f"- Rebuilt from: {meta['source']}")
    if meta.get("note"):
        lines.append(f"- Note: {meta['note']}")
    return lines


def markdown(results: dict) -> str:
    """The full report: setup, fixed costs, per-case tables, memory, the claim and its summary."""
    meta = results["meta"]
    impls = meta["implementations"]
    parts = ["# fastact benchmark report", "", *_meta_lines(meta), ""]
    fixed = meta.get("overhead")
    if fixed:
        parts += ["## Fixed costs", "",
                  f"- `import fastact`: {fixed['import_s'] * 1e3:.0f} ms (median of fresh interpreters)",
                  "- One call on a 1-element float64 array (same run, interleaved): "
                  + ", ".join(f"`{k}` {v:.0f} ns" for k, v in fixed["call_ns"].items()), ""]
    parts += ["## Results", "",
              "Each cell: ns/element · GB/s · fraction of the probe measured beside it. "
              "The last row gives the probe's own GB/s in each implementation's rounds.", ""]
    for (dtype, n, op), functions in _blocks(results).items():
        rows, probe = [], {}
        for function, by_impl in functions.items():
            row = [function]
            for impl in impls:
                if impl in by_impl:
                    s = by_impl[impl][0]
                    probe[impl] = s["probe_gb_per_s"]
                    row.append(f"{s['ns_per_element']:.3g} · {s['gb_per_s']:.3g} · {s['fraction']:.0%}")
                else:
                    row.append("—")
            rows.append(row)
        rows.append(["*probe GB/s*"] + [f"{probe[i]:.3g}" if i in probe else "—" for i in impls])
        parts += [f"### {dtype}, n = {_size(n)}, {op}", "", _md_table(["function", *impls], rows), ""]
    parts += _memory_section(results)
    parts += _claim_section(results)
    parts += _expressions_section(results)
    return "\n".join(parts)


def _memory_section(results: dict) -> list[str]:
    meta = results["meta"]
    largest = {}
    for r in results["records"]:
        key = (r["implementation"], r["function"], r["op"], r["dtype"])
        if r["allocated_bytes"] is not None and (key not in largest or r["n"] > largest[key]["n"]):
            largest[key] = r
    rows = []
    for r in largest.values():
        array = r["n"] * r["itemsize"]
        if r["allocated_bytes"] > 0.01 * array and r["allocated_bytes"] > 4096:
            rows.append([r["implementation"], r["function"], r["op"], r["dtype"], _size(r["n"]),
                         f"{r['allocated_bytes'] / 2**20:.3g}", f"{r['allocated_bytes'] / array:.2f}"])
    peak = meta.get("peak_rss_bytes")
    lines = ["## Memory", ""]
    if peak:
        lines += [f"Peak resident memory of the benchmark process: {peak / 2**30:.2f} GiB "
                  "(the arrays of the largest size, x0, x, g, y and out, included).", ""]
    lines += ["Bytes allocated by one call, traced by `tracemalloc` (NumPy's buffers; PyTorch's, numexpr's and "
              "XLA's allocators and GPU memory are not traced), at each case's largest size. Listed only where a call allocates over "
              "1 % of an input array; every other traced case allocates no array.", ""]
    if rows:
        lines += [_md_table(["implementation", "function", "op", "dtype", "n", "MiB", "arrays of n"], rows), ""]
    else:
        lines += ["None.", ""]
    return lines


def _claim_section(results: dict) -> list[str]:
    rows = claims(results)
    lines = ["## The claim: per element, relu < sigmoid < softmax", "",
             f"Ratio t(costlier)/t(cheaper) per element, median of paired rounds, 95 % bootstrap interval "
             f"({timing.RESAMPLES} resamples). Verdict: *holds* when the whole interval is above "
             f"{1 + timing.MARGIN:g}, *fails* when below {1 - timing.MARGIN:g}, *indistinguishable* otherwise. "
             f"Regime: *call overhead* when the cheaper call takes under {OVERHEAD_NS / 1e3:g} µs, *DRAM* when "
             "its arrays exceed the last-level cache, *in cache* otherwise.", ""]
    if not rows:
        return lines + ["No pair was measured (narrowed with --functions).", ""]
    if not all(r["paired"] for r in rows):
        lines += ["Some samples are not paired (rebuilt from pytest-benchmark data): their intervals resample "
                  "each function independently.", ""]
    table = [[r["implementation"], r["dtype"], _size(r["n"]), r["op"], f"{r['costlier']} / {r['cheaper']}",
              f"{r['ratio']:.2f} [{r['low']:.2f}, {r['high']:.2f}]", r["verdict"], r["regime"]] for r in rows]
    lines += [_md_table(["implementation", "dtype", "n", "op", "pair", "ratio [95 % CI]", "verdict", "regime"],
                        table), "", "### Summary", ""]
    index = {(r["implementation"], r["dtype"], r["n"], r["op"], r["function"]): r for r in results["records"]}
    groups = defaultdict(list)
    for r in rows:
        groups[(r["costlier"], r["cheaper"], r["regime"])].append(r)
    for (costlier, cheaper, reg), members in sorted(groups.items()):
        counts = Counter(r["verdict"] for r in members)
        expected, why = EXPECTED[reg]
        observed = counts.most_common(1)[0][0]
        fractions = {f: np.median([summarize(index[(r["implementation"], r["dtype"], r["n"], r["op"], f)])["fraction"]
                                   for r in members]) for f in (cheaper, costlier)}
        lines.append(f"- **{costlier} vs {cheaper}, {reg}** ({len(members)} cases): "
                     + ", ".join(f"{v} {counts[v]}" for v in ("holds", "fails", "indistinguishable") if counts[v])
                     + f"; median ratio {np.median([r['ratio'] for r in members]):.2f}; median fraction of the "
                     f"probe {cheaper} {fractions[cheaper]:.0%}, {costlier} {fractions[costlier]:.0%}. "
                     f"Expected: {expected} ({why}); "
                     + ("as expected." if observed == expected else f"observed mostly {observed}, unlike the expectation."))
    total = Counter(r["verdict"] for r in rows)
    lines += ["", f"Overall the claim holds in {total['holds']} of {len(rows)} comparisons, fails in {total['fails']} "
              f"and is indistinguishable in {total['indistinguishable']}. Where it holds, by regime: "
              f"{_counts(Counter(r['regime'] for r in rows if r['verdict'] == 'holds'))}; where it does not: "
              f"{_counts(Counter(r['regime'] for r in rows if r['verdict'] != 'holds'))}.", ""]
    return lines


def _counts(counter: Counter) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items())) or "none"


def _expressions_section(results: dict) -> list[str]:
    seen = {}
    for r in results["records"]:
        seen.setdefault((r["implementation"], r["function"], r["op"]), r["expression"])
    rows = [[impl, function, op, f"`{expr}`"] for (impl, function, op), expr in seen.items()]
    return ["## What each implementation runs", "", _md_table(["implementation", "function", "op", "call"], rows), ""]


# --- files -------------------------------------------------------------------------------------

def plots(results: dict, folder: pathlib.Path) -> list[pathlib.Path]:
    """PNG plots: ns/element against n per function, fraction of the probe per implementation.
    Returns the files written; none when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return []
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    folder.mkdir(parents=True, exist_ok=True)
    series = defaultdict(list)
    for r in results["records"]:
        s = summarize(r)
        series[(r["function"], r["op"], r["implementation"], r["dtype"])].append((r["n"], s))
    ops = results["meta"].get("ops") or sorted({r["op"] for r in results["records"]})
    styles = {"float32": "-", "float64": "--"}
    written = []

    def draw(name: str, groups: list, value: str, ylabel: str, title_of, log_y: bool) -> None:
        # fixed margins: tight_layout measured every tick label again (~0.8 s of ~1 s per figure)
        fig, axes = plt.subplots(1, len(ops), figsize=(6 * len(ops), 4.5), squeeze=False,
                                 gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.12, "top": 0.92,
                                              "wspace": 0.2})
        for ax, op in zip(axes[0], ops):
            for key, points in sorted(series.items()):
                if key[1] != op or not groups(key):
                    continue
                points.sort(key=lambda p: p[0])
                ax.plot([p[0] for p in points], [p[1][value] for p in points], styles.get(key[3], ":"),
                        marker="o", markersize=3, label=f"{title_of(key)} {key[3]}")
            ax.set_xscale("log")
            if log_y:
                ax.set_yscale("log")
            for axis in (ax.xaxis, ax.yaxis) if log_y else (ax.xaxis,):
                # plain-text labels, no minor ticks: mathtext labels and the minor ticks of log
                # axes were most of the drawing time
                axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
                axis.set_minor_locator(ticker.NullLocator())
            ax.set_xlabel("n (elements)")
            ax.set_ylabel(ylabel)
            ax.set_title(f"{name}: {op}")
            ax.grid(True, alpha=0.3)
            if ax.lines:
                ax.legend(fontsize=7)
        path = folder / f"{name.replace('/', '_').replace('[', '_').replace(']', '')}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

    for function in dict.fromkeys(r["function"] for r in results["records"]):
        draw(f"ns_per_element_{function}", lambda k, f=function: k[0] == f, "ns_per_element", "ns / element",
             lambda k: k[2], True)
    for impl in dict.fromkeys(r["implementation"] for r in results["records"]):
        draw(f"fraction_of_probe_{impl}", lambda k, i=impl: k[2] == i, "fraction", "fraction of the probe",
             lambda k: k[0], False)
    return written


def write(results: dict, folder: pathlib.Path, json_too: bool = True) -> dict:
    """Write report.md, results.json (every raw sample) and the plots; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": folder / "report.md"}
    paths["markdown"].write_text(markdown(results), encoding="utf-8")
    if json_too:
        paths["json"] = folder / "results.json"
        paths["json"].write_text(json.dumps(results), encoding="utf-8")
    paths["plots"] = plots(results, folder / "plots")
    return paths


def load(path: pathlib.Path) -> dict:
    """Results from ``fastact bench``'s JSON, or from pytest-benchmark's (``bench/`` suite)."""
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    if "records" in data:
        return data
    if "benchmarks" in data:
        return _from_pytest_benchmark(data, str(path))
    raise ValueError(f"{path}: neither fastact bench's JSON nor pytest-benchmark's")


def _from_pytest_benchmark(data: dict, source: str) -> dict:
    """Records from the ``bench/`` suite: samples are each benchmark's rounds (``data`` when saved
    with --benchmark-save-data, otherwise the median alone), the probe of the same dtype and size."""
    def samples(bench: dict) -> list[float]:
        stats = bench["stats"]
        return [v * 1e9 for v in stats.get("data") or [stats["median"]]]

    probes, records = {}, []
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        if info.get("function") == "probe":
            probes[(info["dtype"], info["n"])] = samples(bench)
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        if "implementation" not in info or info.get("function") == "probe":
            continue
        probe = probes.get((info["dtype"], info["n"]))
        if probe is None:
            continue
        records.append({**{k: info[k] for k in ("implementation", "function", "op", "dtype", "n", "elements",
                                                "streams", "itemsize", "expression")},
                        "allocated_bytes": info.get("allocated_bytes"), "samples_ns": samples(bench),
                        "probe_ns": probe, "paired": False})
    machine = data.get("machine_info", {})
    meta = {"format": "fastact-bench/1", "date": data.get("datetime", "?"), "command": "pytest bench",
            "mode": "pytest-benchmark", "source": source,
            "implementations": list(dict.fromkeys(r["implementation"] for r in records)),
            "ops": list(dict.fromkeys(r["op"] for r in records)),
            "machine": {"cpu": machine.get("cpu", {}).get("brand_raw", machine.get("processor", "?")),
                        "platform": machine.get("system", ""), "versions": {"python": machine.get("python_version")}},
            "note": "samples from pytest-benchmark: each function timed in its own test, not interleaved"}
    return {"meta": meta, "records": records}
