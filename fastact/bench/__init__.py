"""fastact's benchmarks: ``fastact bench`` (also ``python -m fastact bench``) and the table of
cases it shares with the pytest-benchmark suite in ``bench/``.

Nothing here is imported by ``import fastact``.

Modules: :mod:`~fastact.bench.cases` (what is measured), :mod:`~fastact.bench.peers` (how the
other libraries compute it), :mod:`~fastact.bench.probe` (the memory-bandwidth probe),
:mod:`~fastact.bench.timing` (interleaved timing and bootstrap intervals),
:mod:`~fastact.bench.measure` (runs the cases), :mod:`~fastact.bench.overhead` (per-call and
import cost), :mod:`~fastact.bench.report` (tables, Markdown, JSON, plots),
:mod:`~fastact.bench.progress` and :mod:`~fastact.bench.cli`.
"""
