import torch

from grader.harness.kit import canonical_init, modules_of, randn

BATCH = {0: 1, 1: 5, 2: 9}

# Bound now: this module is compiled before the candidate's code is imported.
_Tensor = torch.Tensor
_isinstance = isinstance


def _model(mod, seed):
    torch.manual_seed(seed)
    model = mod.MyModel()
    canonical_init(model, seed)
    return model


def _as_column(out, n):
    """The output as [n, 1] when it holds n numbers, so that a wrong shape is judged by the shape
    check alone; anything else is returned as it is."""
    if _isinstance(out, _Tensor) and out.numel() == n:
        return out.reshape(n, 1)
    return out


def probe_structure(mod, seed, trial):
    model = mod.MyModel()
    linears = modules_of(model, torch.nn.Linear)
    return {
        "is_module": isinstance(model, torch.nn.Module),
        "linears": [[m.in_features, m.out_features, m.bias is not None] for m in linears],
        "n_params": sum(p.numel() for p in model.parameters()),
    }


def probe_forward(mod, seed, trial):
    model = _model(mod, seed)
    dtype = torch.float64 if trial == 2 else torch.float32
    if dtype is torch.float64:
        model = model.double()
    n = BATCH[trial]
    x = randn(seed, n, 2, dtype=dtype)
    out = model(x)
    return {"output": out, "values": _as_column(out, n)}


def probe_train(mod, seed, trial):
    model = _model(mod, seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = randn(seed, 16, 2, label="train-x")
    y = x @ torch.tensor([[2.0], [-3.0]]) + 0.5
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = ((_as_column(model(x), 16) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    linear = modules_of(model, torch.nn.Linear)[0]
    return {"losses": losses, "weight": linear.weight, "bias": linear.bias}
