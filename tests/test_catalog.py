"""The public namespace matches the catalogue fastact.activations()."""

import inspect

import pytest

import fastact

ENTRIES = fastact.activations()


def test_catalogue_lists_every_function_once():
    names = [a.name for a in ENTRIES]
    assert len(names) == len(set(names))
    assert {"softmax", "log_softmax", "softmin", "prelu", "gelu", "threshold"} <= set(names)
    assert {a.kind for a in ENTRIES} == {"elementwise", "axis", "channel"}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda a: a.name)
def test_public_functions_exist_with_the_listed_parameters(entry):
    for function in entry.functions:
        assert function in fastact.__all__, function
        signature = inspect.signature(getattr(fastact, function))
        for name, default in entry.params.items():
            if function.endswith("_jacobian") and name != "axis":
                continue
            assert name in signature.parameters, f"{function} lacks {name}"
            expected = inspect.Parameter.empty if default is None else default
            assert signature.parameters[name].default == expected, f"{function}({name}=)"
        assert "backend" in signature.parameters
    has_grads = entry.name + "_param_grads" in entry.functions
    assert has_grads == bool(entry.learnable)
    assert hasattr(fastact, entry.name + "_param_grads") == bool(entry.learnable)


@pytest.mark.parametrize("entry", [a for a in ENTRIES if a.kind != "axis"], ids=lambda a: a.name)
def test_backward_accepts_y_exactly_where_listed(entry):
    backward = inspect.signature(getattr(fastact, entry.name + "_backward"))
    assert "y" in backward.parameters
    assert entry.from_y == (entry.from_y_condition is not None)


def test_learnable_parameters_are_the_issue_list():
    learnable = {a.name: set(a.learnable) for a in ENTRIES if a.learnable}
    assert learnable == {"sigmoid": {"slope"}, "msaf": {"r", "offset"}, "sym_msaf": {"r"},
                         "leaky_relu": {"negative_slope"}, "elu": {"alpha"}, "celu": {"alpha"},
                         "swish": {"beta"}, "softplus": {"beta"}, "prelu": {"weight"}}


def test_parameter_checks():
    with pytest.raises(ValueError, match="approximate"):
        fastact.gelu([1.0], approximate="erf")
    with pytest.raises(ValueError, match="alpha"):
        fastact.celu([1.0], alpha=0.0)
    with pytest.raises(ValueError, match="min_val < max_val"):
        fastact.hardtanh([1.0], min_val=1.0, max_val=1.0)
    with pytest.raises(ValueError, match="from y"):
        fastact.threshold_backward([1.0], y=[1.0], threshold=0.0, value=2.0)
    with pytest.raises(TypeError):
        fastact.threshold([1.0])
