"""Thread count and the choice between the serial and the parallel CPU loops."""

from __future__ import annotations

import os

#: Below this many elements the serial loop is faster than waking the thread pool
#: (measured in bench/RESULTS.md, "serial/parallel switch").
PARALLEL_MIN_SIZE = 1 << 15
#: The same for the numba backend's cheap formulas (a select or two per element: relu and its
#: kind), whose parallel loop only overtakes the serial one from about 2^19 elements there
#: (bench/RESULTS.md, session 8; cython's OpenMP loops start sooner and keep PARALLEL_MIN_SIZE).
CHEAP_PARALLEL_MIN_SIZE = 1 << 19


def max_threads() -> int:
    """The number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_num_threads = max_threads()


def set_num_threads(n: int) -> None:
    """Set how many threads fastact's parallel CPU loops use (1 … the number of cores)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= max_threads():
        raise ValueError(f"set_num_threads: n must be an integer from 1 to {max_threads()}, got {n!r}")
    _num_threads = n


def get_num_threads() -> int:
    """The number of threads fastact's parallel CPU loops use."""
    return _num_threads


def use_parallel(n: int) -> bool:
    """Whether a loop over ``n`` elements should run on the thread pool."""
    return n >= PARALLEL_MIN_SIZE and _num_threads > 1
