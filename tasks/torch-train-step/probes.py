import torch

from grader.harness.kit import canonical_init, capture, prepare, randn, scalar_tensor, snapshot, sub_seed
from grader.harness.kit import type_name as _type_name

# Captured when the probes load, before the candidate's module is imported.
prepare()
_DETACH, _CLONE, _DOUBLE, _MUL, _SUM = capture(torch._C.TensorBase, "detach", "clone", "double", "mul", "sum")
_SQRT, _AS_TENSOR = capture(torch, "sqrt", "as_tensor")
_FLOAT64 = torch.float64

N_IN, HIDDEN, N_OUT = 6, 16, 3
BATCH = 12

# One setup per trial: (optimizer, criterion, how max_norm is passed).
#   max_norm: None = rely on the default 1.0; ("kw", v) = max_norm=v; ("pos", v) = 6th positional.
STEP_SETUPS = {
    0: ("sgd", "mse", None),
    1: ("adam", "ce", ("kw", 0.05)),
    2: ("sgd", "ce", ("pos", 0.1)),
    3: ("adam", "mse", ("pos", 1e4)),  # the raw norm stays below max_norm: clipping must not rescale
}


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


class _Watch:
    """Hooks that record what train_step does: the modes and the output of each forward pass,
    each parameter's gradient right after backward accumulated it (before any clipping), and the
    gradients and learning rates each step() of the given optimizer saw."""

    def __init__(self, model, opt):
        self.params = list(model.parameters())
        self.modes, self.outputs, self.steps = [], [], []
        self.raw = [None] * len(self.params)
        self.handles = [
            model.register_forward_pre_hook(lambda m, args: self.modes.append([bool(x.training) for x in m.modules()])),
            model.register_forward_hook(lambda m, args, out: self.outputs.append(_CLONE(_DETACH(out)))),
            opt.register_step_pre_hook(self._step),
        ]
        for i, p in enumerate(self.params):
            self.handles.append(p.register_post_accumulate_grad_hook(lambda q, i=i: self._raw(i, q)))

    def _step(self, opt, args, kwargs):
        self.steps.append(
            {"grads": snapshot([p.grad for p in self.params]), "lr": [float(g["lr"]) for g in opt.param_groups]}
        )

    def _raw(self, i, p):
        self.raw[i] = _CLONE(_DETACH(p.grad))

    def close(self):
        for h in self.handles:
            h.remove()


def _clip(grads, max_norm):
    """What torch.nn.utils.clip_grad_norm_ leaves: the global L2 norm scaled down to max_norm."""
    if any(g is None for g in grads):
        return None
    total = _SQRT(sum(_SUM(_MUL(_DOUBLE(g), _DOUBLE(g))) for g in grads))
    coef = min(1.0, float(max_norm) / (float(total) + 1e-6))
    return [_MUL(g, coef) for g in grads]


def _run(mod, seed, trial, stale):
    opt_kind, crit, how = STEP_SETUPS[trial]
    model = _model(seed)
    opt = _optimizer(opt_kind, model)
    x, y = _batch(seed, crit, "step")
    if stale:
        _stale_grads(model, seed)
    watch = _Watch(model, opt)
    try:
        ret = _call(mod, model, x, y, opt, _criterion(crit), how, seed)
    finally:
        watch.close()
    return model, y, ret, watch


def probe_step(mod, seed, trial):
    crit, how = STEP_SETUPS[trial][1], STEP_SETUPS[trial][2]
    max_norm = 1.0 if how is None else how[1]
    model, y, ret, watch = _run(mod, seed, trial, stale=True)
    first_output = watch.outputs[0] if watch.outputs else None
    return {
        "loss_type": _type_name(ret),
        "loss": scalar_tensor(ret, "train_step"),
        # the criterion on the first forward pass's output: the loss train_step should return
        "loss_of_first_forward": None
        if first_output is None
        else _AS_TENSOR(_criterion(crit)(first_output, y), dtype=_FLOAT64).reshape(()),
        "mode": {"during_forward": watch.modes[0] if watch.modes else None, "after": bool(model.training)},
        "final_grads": snapshot([p.grad for p in model.parameters()]),
        "raw_grads_clipped": _clip(watch.raw, max_norm),
        "optimizer": {"steps": len(watch.steps), "lr": [s["lr"] for s in watch.steps]},
        # without any step() of the given optimizer there is no order to judge (one_step fails)
        "grads_at_step": watch.steps[0]["grads"] if watch.steps else snapshot([p.grad for p in model.parameters()]),
    }


def probe_fresh(mod, seed, trial):
    """The same step on a model whose .grad is empty, next to the step on one with stale
    gradients: backward leaves the same gradient in both when stale gradients are cleared first."""
    _, _, _, stale_watch = _run(mod, seed, trial, stale=True)
    _, _, _, fresh_watch = _run(mod, seed, trial, stale=False)
    return {"raw_grads_with_stale": stale_watch.raw, "raw_grads_without_stale": fresh_watch.raw}
