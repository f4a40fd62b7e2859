import torch

from grader.harness.kit import canonical_init, randn, sub_seed, type_name as _type_name

N_IN, HIDDEN, N_OUT = 6, 16, 3
BATCH = 12

# One setup per trial: (optimizer, criterion, how max_norm is passed).
#   max_norm: None = rely on the default 1.0; ("kw", v) = max_norm=v; ("pos", v) = 6th positional.
STEP_SETUPS = {
    0: ("sgd", "mse", None),
    1: ("adam", "ce", ("kw", 0.05)),
    2: ("sgd", "ce", ("pos", 0.1)),
}
LOOP_SETUPS = {
    0: ("adam", "mse", None),
    1: ("sgd", "ce", ("kw", 0.1)),
    2: ("adam", "ce", ("pos", 2.0)),  # the raw norm stays below 2.0 here: clipping must not rescale
}
LOOP_STEPS = 4


def _model(seed):
    """Linear (no bias) -> BatchNorm -> ReLU -> Dropout -> Linear, left in eval mode: train mode matters."""
    torch.manual_seed(sub_seed(seed, "build"))
    model = torch.nn.Sequential(
        torch.nn.Linear(N_IN, HIDDEN, bias=False),  # a bias before BatchNorm gets only rounding noise
        torch.nn.BatchNorm1d(HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Dropout(p=0.25),
        torch.nn.Linear(HIDDEN, N_OUT),
    )
    canonical_init(model, seed)
    model.eval()
    return model


def _optimizer(kind, model):
    if kind == "sgd":
        return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=0.01)


def _batch(seed, crit, label):
    # Large inputs and targets: the raw gradient norm is well above max_norm (except in loop trial 2).
    x = 3.0 * randn(seed, BATCH, N_IN, label=f"{label}-x")
    if crit == "mse":
        y = 20.0 * randn(seed, BATCH, N_OUT, label=f"{label}-y")
    else:
        g = torch.Generator().manual_seed(sub_seed(seed, label, "labels"))
        y = torch.randint(0, N_OUT, (BATCH,), generator=g)
    return x, y


def _criterion(crit):
    return torch.nn.MSELoss() if crit == "mse" else torch.nn.CrossEntropyLoss()


def _stale_grads(model, seed):
    # Gradients left over from an earlier, unrelated backward pass.
    for i, p in enumerate(model.parameters()):
        p.grad = 5.0 * randn(seed, *p.shape, label=f"stale-{i}")


def _call(mod, model, x, y, opt, crit, how, seed):
    torch.manual_seed(seed)  # dropout masks: candidate and reference draw the same ones
    if how is None:
        return mod.train_step(model, x, y, opt, crit)
    if how[0] == "kw":
        return mod.train_step(model, x, y, opt, crit, max_norm=how[1])
    return mod.train_step(model, x, y, opt, crit, how[1])


def _number(value):
    """The returned loss as a float64 scalar tensor, whatever it was returned as."""
    try:
        return torch.as_tensor(value, dtype=torch.float64).detach().clone().reshape(())
    except Exception:
        raise TypeError(f"train_step returned {_type_name(value)}, which is not a single number") from None


def _params(model):
    return [p.detach().clone() for p in model.parameters()]


def _grads(model):
    return [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]


def probe_step(mod, seed, trial):
    opt_kind, crit, how = STEP_SETUPS[trial]
    model = _model(seed)
    opt = _optimizer(opt_kind, model)
    x, y = _batch(seed, crit, "step")
    _stale_grads(model, seed)
    ret = _call(mod, model, x, y, opt, _criterion(crit), how, seed)
    return {
        "loss_type": _type_name(ret),
        "loss": _number(ret),
        "training": model.training,
        "params": _params(model),
        "grads": _grads(model),
    }


def probe_loop(mod, seed, trial):
    opt_kind, crit, how = LOOP_SETUPS[trial]
    model = _model(seed)
    opt = _optimizer(opt_kind, model)
    criterion = _criterion(crit)
    _stale_grads(model, seed)
    losses = []
    for step in range(LOOP_STEPS):
        x, y = _batch(seed, crit, f"loop-{step}")
        losses.append(_number(_call(mod, model, x, y, opt, criterion, how, sub_seed(seed, "loop", step))))
        # An evaluation pass between steps, as a training loop with validation does.
        model.eval()
        with torch.no_grad():
            model(x)
    return {"losses": losses, "params": _params(model)}
