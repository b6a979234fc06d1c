"""The pytest-benchmark suite: the cases of ``fastact.bench.cases`` (the table ``fastact bench``
uses), each fastact backend and installed peer, and the bandwidth probe, timed in one run.

Tests run in blocks of one dtype and size: the probe first, then every case, so each case's
``extra_info["fraction_of_probe"]`` compares it with the probe measured just before it.
CPU implementations only: the GPU ones are measured by ``fastact bench --backend cuda``.
Sizes: 1e3, 1e5, 1e6; ``--bench-full`` adds 3e7. ``pytest bench --benchmark-disable`` runs every
case once (a smoke test). A summary table (ns/element, GB/s, fraction of the probe) ends the run.
"""

import numpy as np
import pytest

from fastact.bench import cases, gpu

SIZES = [1_000, 100_000, 1_000_000]
FULL_SIZES = SIZES + [30_000_000]
DTYPES = ["float32", "float64"]


def pytest_addoption(parser):
    parser.addoption("--bench-full", action="store_true", default=False, help="also measure n = 3e7")


def _entries(sizes):
    """(dtype, n, implementation, case) in run order; implementation "probe" has case None."""
    probe_ws = cases.Workspace(max(cases.SOFTMAX_ROWS), np.float64)
    entries = []
    for dtype in DTYPES:
        for n in sizes:
            entries.append((dtype, n, "probe", None))
            for impl in cases.implementations():
                if gpu.on_gpu(impl):  # GPU cases need device arrays and their own probe: fastact bench --backend cuda
                    continue
                for case in cases.cases():
                    if case.elements(n) and cases.bind(impl, case, probe_ws) is not None:
                        entries.append((dtype, n, impl, case))
    return entries


def pytest_generate_tests(metafunc):
    if "entry" in metafunc.fixturenames:
        sizes = FULL_SIZES if metafunc.config.getoption("--bench-full") else SIZES
        entries = _entries(sizes)
        ids = [f"{d}-{n:.0e}-{impl}" + ("" if c is None else f"-{c.name}") for d, n, impl, c in entries]
        metafunc.parametrize("entry", entries, ids=ids)


@pytest.fixture(scope="session")
def workspace():
    """The Workspace of a dtype and size; the previous one is dropped (one set of arrays at a time)."""
    held = {}

    def get(n, dtype):
        if (n, dtype) not in held:
            held.clear()
            held[(n, dtype)] = cases.Workspace(n, dtype)
        return held[(n, dtype)]

    return get


#: (dtype, n) → the probe's median seconds; rows of the closing summary.
PROBES = {}
SUMMARY = []


def pytest_terminal_summary(terminalreporter):
    if not SUMMARY:
        return
    tr = terminalreporter
    tr.section("fastact bench: ns/element, GB/s, fraction of the probe")
    tr.write_line(f"{'dtype':8} {'n':>8} {'implementation':15} {'case':24} {'ns/el':>9} {'GB/s':>8} {'probe':>7}")
    for row in SUMMARY:
        tr.write_line(f"{row['dtype']:8} {row['n']:8.0e} {row['implementation']:15} {row['case']:24} "
                      f"{row['ns_per_element']:9.3g} {row['gb_per_s']:8.3g} {row['fraction']:7.0%}")
