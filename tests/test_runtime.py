"""Dispatch, threads, import cost and the disk cache."""

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fastact
from fastact import _threads


def test_backends_lists_numba_and_numpy_last():
    names = fastact.backends()
    assert "numba" in names and names[-1] == "numpy"


def test_set_backend_and_use_backend():
    assert fastact.get_backend() == "auto"
    with fastact.use_backend("numpy"):
        assert fastact.get_backend() == "numpy"
        with fastact.use_backend("numba"):
            assert fastact.get_backend() == "numba"
        assert fastact.get_backend() == "numpy"
    assert fastact.get_backend() == "auto"
    fastact.set_backend("numpy")
    try:
        assert fastact.get_backend() == "numpy"
        np.testing.assert_array_equal(fastact.relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    finally:
        fastact.set_backend("auto")
    with pytest.raises(ValueError, match="backend must be one of"):
        fastact.set_backend("gpu")
    assert fastact.get_backend() == "auto"


def test_use_backend_is_local_to_the_thread():
    with fastact.use_backend("numpy"):
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(fastact.get_backend).result() == "auto"


def test_set_num_threads_validates():
    previous = fastact.get_num_threads()
    fastact.set_num_threads(1)
    assert fastact.get_num_threads() == 1
    fastact.set_num_threads(previous)
    for bad in (0, -1, 10_000, 1.5, True):
        with pytest.raises(ValueError, match="set_num_threads: n must be an integer"):
            fastact.set_num_threads(bad)


def test_concurrent_calls_from_python_threads_are_correct():
    """Parallel loops launched from several Python threads at once neither crash nor mix results."""
    n = 4 * _threads.PARALLEL_MIN_SIZE
    inputs = [np.random.default_rng(i).standard_normal(n) for i in range(8)]
    expected = [fastact.sigmoid(x, backend="numpy") for x in inputs]

    def work(i):
        for _ in range(5):
            got = fastact.sigmoid(inputs[i], backend="numba")
            back = fastact.elu_backward(inputs[i], inputs[i], backend="numba")
        return got, back

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(8)))
    for (got, back), want, x in zip(results, expected, inputs):
        np.testing.assert_allclose(got, want, rtol=1e-15)
        np.testing.assert_array_equal(back, fastact.elu_backward(x, x, backend="numba"))


def run_python(code, *args, **env):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def run_python_async(code, *args, **env):
    """``code`` started in a new process (``communicate()`` gives its output)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, **env})


def test_import_compiles_nothing_and_does_not_import_numba():
    out = run_python("""
        import sys, fastact
        print('numba' in sys.modules, 'llvmlite' in sys.modules)
    """)
    assert out.split() == ["False", "False"]


def test_works_when_no_cache_directory_is_writable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = run_python("""
        import numpy as np, fastact
        print(fastact.elu(np.array([-1.0, 1.0]), backend="numba").tolist())
    """, NUMBA_CACHE_DIR=str(blocker / "cache"), PYTHONWARNINGS="error")
    assert out.strip() == str([float(np.expm1(-1.0)), 1.0])


def test_loops_compile_in_memory_where_numba_cannot_cache():
    from fastact._kernels import cpu_loops

    namespace = {}
    exec("def loop(x):\n    return x + 1\n", namespace)  # no source file: numba has no cache locator
    assert cpu_loops._jit(namespace["loop"], parallel=False)(1) == 2


def test_racing_cache_writers_never_share_a_data_file(tmp_path):
    """Two processes adding entries to one cache index at once: the second one read the index
    before the first saved. An entry may be lost (a later miss), never point at the other's code."""
    from fastact._kernels import cpu_loops

    first, second = (cpu_loops._KeyedDataFile(str(tmp_path), "loop", "stamp") for _ in range(2))
    stale = second._load_index()
    second._load_index = lambda: dict(stale)
    first.save(("f32", "celu_forward"), "celu code")
    second.save(("f32", "silu_derivative"), "silu code")
    reader = cpu_loops._KeyedDataFile(str(tmp_path), "loop", "stamp")
    assert reader.load(("f32", "celu_forward")) in ("celu code", None)
    assert reader.load(("f32", "silu_derivative")) == "silu code"


def test_parallel_loops_load_from_the_disk_cache(tmp_path):
    """A parallel element-wise loop (cpu_loops.split_loop) compiled in one process is loaded,
    not compiled, in the next: its cache key must not depend on the process."""
    script = """
        import numpy as np
        from fastact import _numba_backend
        loop = _numba_backend._loop("forward", "elu", True)
        loop(np.ones(1 << 16), np.empty(1 << 16), (1.0,))
        print(sum(loop.stats.cache_hits.values()), sum(loop.stats.cache_misses.values()))
    """
    first = run_python(script, NUMBA_CACHE_DIR=str(tmp_path))
    second = run_python(script, NUMBA_CACHE_DIR=str(tmp_path))
    assert (first.split(), second.split()) == (["0", "1"], ["1", "0"])


def test_loops_of_one_factory_cached_by_different_processes_keep_their_formulas(tmp_path):
    """Two processes each compile the serial and parallel derivative loop of one sigmoid formula
    (slope 1 has its own set) into one cache; a third loads both. numba names compiled code by
    qualified name and a per-process counter: with one qualified name per factory, the two
    processes gave different formulas the same symbols, and the third process ran the
    slope-1 loop for slope 1.5."""
    script = """
        import sys, numpy as np, fastact
        x = np.linspace(-5, 5, 1 << 16)
        for slope in map(float, sys.argv[1:]):
            got = fastact.sigmoid_derivative(x, slope=slope, backend="numba")
            want = fastact.sigmoid_derivative(x, slope=slope, backend="numpy")
            print(bool(np.allclose(got, want, rtol=1e-12)))
    """
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    compilers = [run_python_async(script, slope, **env) for slope in ("1.0", "1.5")]
    assert [c.communicate()[0].split() for c in compilers] == [["True"], ["True"]]
    assert run_python(script, "1.0", "1.5", **env).split() == ["True", "True"]


@pytest.mark.parametrize("n", [0, 1, 15, 4095, 4096, 32768, 40001, 1_000_003, 30_000_000])
def test_parallel_loop_tasks_cover_every_element_once(n):
    """cpu_loops.split_loop's tasks: consecutive, in order, starting on multiples of
    SPLIT_ALIGN elements, together exactly [0, n)."""
    from fastact._kernels import cpu_loops

    tasks = cpu_loops._split_tasks(n)
    bounds = [cpu_loops._split_bounds(task, tasks, n) for task in range(tasks)]
    assert 1 <= tasks <= cpu_loops.SPLIT_TASKS
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(stop == start for (_, stop), (start, _) in zip(bounds, bounds[1:]))
    assert all(start <= stop and start % cpu_loops.SPLIT_ALIGN == 0 for start, stop in bounds)
