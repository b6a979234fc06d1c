"""PyTorch (autograd) as an oracle: values, backward and parameter gradients.

Deliberate differences, and only these, are skipped: at a NaN input fastact's backward is NaN
where PyTorch passes the gradient through (piecewise functions), and at ±inf fastact gives the
mathematical limit where PyTorch's formula gives NaN (gelu, silu, mish, softsign, hardswish).
"""

import numpy as np
import pytest

import fastact
from conftest import CASES, case_id

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOLERANCE = {np.float32: dict(rtol=2e-6, atol=4 * 2.0 ** -23), np.float64: dict(rtol=1e-14, atol=4 * 2.0 ** -52)}


def torch_function(name, params):
    """The PyTorch function of x (and of tensor parameters, for the learnable ones)."""
    p = dict(params)
    return {
        "sigmoid": lambda x, slope=p.get("slope", 1.0): torch.sigmoid(slope * x),
        "tanh": lambda x: torch.tanh(x),
        "msaf": lambda x, r=p.get("r"), offset=p.get("offset", 0.0): offset + sum(
            torch.sigmoid(x + rk) for rk in (r if isinstance(r, (list, tuple, torch.Tensor)) and
                                             getattr(r, "ndim", 1) else [r])),
        "sym_msaf": lambda x, r=p.get("r"): -1 + torch.sigmoid(x) + torch.sigmoid(x + r),
        "relu": F.relu,
        "leaky_relu": lambda x, negative_slope=p.get("negative_slope", 0.01): torch.where(
            x > 0, x, negative_slope * x) if torch.is_tensor(negative_slope) else F.leaky_relu(x, negative_slope),
        "elu": lambda x, alpha=p.get("alpha", 1.0): torch.where(x > 0, x, alpha * torch.expm1(x))
        if torch.is_tensor(alpha) else F.elu(x, alpha),
        "selu": F.selu,
        "celu": lambda x, alpha=p.get("alpha", 1.0): torch.where(x > 0, x, alpha * torch.expm1(x / alpha))
        if torch.is_tensor(alpha) else F.celu(x, alpha),
        "gelu": lambda x: F.gelu(x, approximate=p.get("approximate", "none")),
        "silu": F.silu,
        "swish": lambda x, beta=p.get("beta", 1.0): x * torch.sigmoid(beta * x),
        "mish": F.mish,
        "softplus": lambda x, beta=p.get("beta", 1.0): torch.where(
            beta * x > p.get("threshold", 20.0), x, torch.log1p(torch.exp(beta * x)) / beta)
        if torch.is_tensor(beta) else F.softplus(x, beta, p.get("threshold", 20.0)),
        "softsign": F.softsign,
        "hardtanh": lambda x: F.hardtanh(x, p.get("min_val", -1.0), p.get("max_val", 1.0)),
        "relu6": F.relu6,
        "hardsigmoid": F.hardsigmoid,
        "hardswish": F.hardswish,
        "log_sigmoid": F.logsigmoid,
        "threshold": lambda x: F.threshold(x, p["threshold"], p["value"]),
    }[name]


LIMIT_DIFFERENCES = {"gelu", "silu", "mish", "softsign", "hardswish", "swish"}


def inputs(dtype):
    rng = np.random.default_rng(11)
    random = rng.standard_normal(300) * 4
    edges = [0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 0.5, -2.0, 20.0, 10.0, -30.0, 60.0, -60.0,
             np.inf, -np.inf, np.nan, 1e-30, -1e-30]
    return np.concatenate([random, edges]).astype(dtype)


def compare(ours, theirs, x, dtype, skip, what):
    keep = ~skip
    assert np.isnan(ours[skip & np.isnan(x)]).all(), f"{what}: NaN input must give NaN"
    np.testing.assert_allclose(ours[keep], theirs[keep], equal_nan=True, err_msg=what, **TOLERANCE[dtype])


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_values_and_backward_match_torch(case, dtype):
    name, params = case
    x = inputs(dtype)
    g = np.random.default_rng(12).standard_normal(x.size).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch_function(name, params)(tx)
    (tgrad,) = torch.autograd.grad(ty, tx, torch.tensor(g))
    theirs_y, theirs_grad = ty.detach().numpy(), tgrad.numpy()
    infinite_limits = np.isinf(x) & np.isnan(theirs_y) if name in LIMIT_DIFFERENCES else np.zeros(x.size, bool)
    ours_y = getattr(fastact, name)(x, **params)
    assert not np.isnan(ours_y[infinite_limits]).any()
    compare(ours_y, theirs_y, x, dtype, infinite_limits, f"{name} values")
    grad_skip = np.isnan(x) | (np.isinf(x) & np.isnan(theirs_grad) & (name in LIMIT_DIFFERENCES))
    ours_grad = getattr(fastact, name + "_backward")(g, x, **params)
    if dtype == np.float64 and name == "hardsigmoid":  # PyTorch's 1/6 is a float32 there
        np.testing.assert_allclose(ours_grad[~grad_skip], theirs_grad[~grad_skip], rtol=1e-7)
    elif params.get("approximate") == "tanh":  # PyTorch's 1 − tanh² cancels in the left tail
        eps = np.finfo(dtype).eps
        np.testing.assert_allclose(ours_grad[~grad_skip], theirs_grad[~grad_skip], rtol=TOLERANCE[dtype]["rtol"],
                                   atol=16 * eps * np.abs(g).max())
    else:
        compare(ours_grad, theirs_grad, x, dtype, grad_skip, f"{name} backward")


LEARNABLE = [(n, p) for n, p in CASES if fastact._catalog.ELEMENTWISE[n].learnable]


@pytest.mark.parametrize("case", LEARNABLE, ids=case_id)
def test_param_grads_match_torch(case):
    name, params = case
    spec = fastact._catalog.ELEMENTWISE[name]
    values = {p.name: params.get(p.name, p.default) for p in spec.params}
    x = np.random.default_rng(13).standard_normal(1000) * 3
    g = np.random.default_rng(14).standard_normal(1000)
    tensors = {p: torch.tensor(np.asarray(values[p], dtype=np.float64), requires_grad=True) for p in spec.learnable}
    ty = torch_function(name, params)(torch.tensor(x), **tensors)
    theirs = torch.autograd.grad(ty, list(tensors.values()), torch.tensor(g))
    ours = getattr(fastact, name + "_param_grads")(g, x, **values)
    for p, t in zip(tensors, theirs):
        np.testing.assert_allclose(ours[p], t.numpy(), rtol=1e-11, atol=1e-12, err_msg=p)


@pytest.mark.parametrize("axis", [0, -1])
def test_prelu_matches_torch(axis):
    x = np.random.default_rng(15).standard_normal((6, 4, 5))
    x[0, 0, :3] = [0.0, -0.0, np.nan]
    g = np.random.default_rng(16).standard_normal(x.shape)
    channels = x.shape[1]
    w = np.linspace(0.05, 0.4, channels)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    ty = F.prelu(tx, tw)
    tgx, tgw = torch.autograd.grad(ty, (tx, tw), torch.tensor(g))
    np.testing.assert_array_equal(fastact.prelu(x, w), ty.detach().numpy())
    ours = fastact.prelu_backward(g, x, weight=w)
    nan = np.isnan(x)
    assert np.isnan(ours[nan]).all()
    np.testing.assert_array_equal(ours[~nan], tgx.numpy()[~nan])
    finite = ~np.isnan(x).any(axis=(0, 2))
    np.testing.assert_allclose(fastact.prelu_param_grads(g, x, w)["weight"][finite], tgw.numpy()[finite], rtol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_axis_functions_match_torch(name, dtype):
    x = (np.random.default_rng(17).standard_normal((5, 9)) * 4).astype(dtype)
    x[0, 0] = np.inf
    x[1, 1] = -np.inf
    g = np.random.default_rng(18).standard_normal(x.shape).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ty = getattr(F, name)(tx, dim=1)
    (tg,) = torch.autograd.grad(ty, tx, torch.tensor(g))
    y = getattr(fastact, name)(x, axis=1)
    np.testing.assert_allclose(y, ty.detach().numpy(), equal_nan=True, **TOLERANCE[dtype])
    rows = ~np.isnan(y).any(axis=1) & np.isfinite(y).all(axis=1)
    ours = getattr(fastact, name + "_backward")(g, y, axis=1)
    np.testing.assert_allclose(ours[rows], tg.numpy()[rows], equal_nan=True, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-6 if dtype == np.float32 else 1e-14)
