"""The public namespace follows REFERENCE.md's pattern, and every docstring example runs."""

import doctest
import inspect

import numpy as np
import pytest

import fastact
from fastact._catalog import ELEMENTWISE

PUBLIC = sorted(name for name in fastact.__all__ if callable(getattr(fastact, name)))


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_every_activation_has_the_whole_pattern(name):
    spec = ELEMENTWISE[name]
    params = [p.name for p in spec.params]
    expected = {"": ["x", *params, "out", "backend"], "_": ["x", *params, "backend"],
                "_derivative": ["x", *params, "out", "backend"],
                "_backward": ["grad", "x", "y", *params, "out", "backend"]}
    if spec.learnable:
        expected["_param_grads"] = ["grad", "x", *params, "backend"]
    for suffix, arguments in expected.items():
        function = getattr(fastact, name + suffix)
        assert list(inspect.signature(function).parameters) == arguments
        doc = function.__doc__
        assert spec.formula in doc and "Parameters" in doc and "Returns" in doc


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_examples_run(name):
    function = getattr(fastact, name)
    finder = doctest.DocTestFinder(exclude_empty=False)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(function, name, globs={"np": np, "fastact": fastact}):
        runner.run(test)
    assert runner.failures == 0
    assert runner.tries > 0 or ">>>" not in (function.__doc__ or "")


def test_examples_exist_for_every_forward_function():
    for name in ELEMENTWISE:
        assert ">>> fastact." in getattr(fastact, name).__doc__


def test_readme_example_runs():
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks
    for block in blocks:
        namespace = {}
        exec(compile(block, "README.md", "exec"), namespace)
