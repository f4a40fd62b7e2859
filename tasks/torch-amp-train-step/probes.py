"""Probes for torch-amp-train-step: one mixed-precision step with autocast and a GradScaler.

The device is chosen once per process: real CUDA on a GPU worker (device_type "cuda", float16
autocast, GradScaler("cuda")), else the CPU (device_type "cpu", bfloat16 autocast,
GradScaler("cpu"), which really scales, unscales, skips non-finite steps and updates its scale).

The probes only record raw facts: the returned value and its type, the dtype of a hidden
activation seen inside the probe model's first forward, the number of forward calls, the
parameters after the step(s) and the scaler's scale after each step. The grader compares them
with the reference's.
"""

import torch

from grader.harness.kit import canonical_init, dtype_name, generator, param_list, prepare, randn, scalar_tensor
from grader.harness.kit import type_name as _type_name

# Bound now: this module is compiled before the candidate's code is imported.
prepare()
_float = float

CUDA = torch.cuda.is_available()
DEVICE_TYPE = "cuda" if CUDA else "cpu"

N_IN, HIDDEN, N_OUT = 8, 32, 4

# trial -> (optimizer, criterion, batch size, the scaler's init_scale)
STEP_SETUPS = {
    0: ("sgd", "mse", 12, 2.0**12),
    1: ("adam", "ce", 1, 2.0**16),
    2: ("momentum", "ce", 9, 2.0**8),
}
# trial -> (optimizer, criterion, init_scale, growth_interval, steps); small scales: no overflow.
LOOP_SETUPS = {
    0: ("adam", "mse", 2.0**4, 1, 4),
    1: ("momentum", "ce", 2.0**6, 2, 5),
    2: ("sgd", "mse", 2.0**2, 3, 6),
}
# trial -> optimizer of the overflow probe: a scale so large that the scaled gradients overflow.
OVERFLOW_SETUPS = {0: "momentum", 1: "adam", 2: "sgd"}
OVERFLOW_SCALE = 2.0**127
BATCH = 10


class AmpProbeNet(torch.nn.Module):
    """Linear -> ReLU -> Linear; records the dtype of the hidden activation at every forward."""

    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(N_IN, HIDDEN)
        self.out = torch.nn.Linear(HIDDEN, N_OUT)
        self.seen = []

    def forward(self, x):
        h = self.hidden(x)
        self.seen.append(dtype_name(h))
        return self.out(torch.relu(h))


def _model(seed):
    model = AmpProbeNet()
    canonical_init(model, seed)
    return model.to(DEVICE_TYPE).train()


def _optimizer(kind, model):
    if kind == "sgd":
        return torch.optim.SGD(model.parameters(), lr=0.1)
    if kind == "momentum":
        return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=0.01)


def _criterion(kind):
    return torch.nn.MSELoss() if kind == "mse" else torch.nn.CrossEntropyLoss()


def _batch(seed, crit, n, label, target_scale=1.0):
    x = randn(seed, n, N_IN, label=f"{label}-x")
    if crit == "mse":
        y = target_scale * randn(seed, n, N_OUT, label=f"{label}-y")
    else:
        y = torch.randint(0, N_OUT, (n,), generator=generator(seed, label, "labels"))
    return x.to(DEVICE_TYPE), y.to(DEVICE_TYPE)


def _scaler(init_scale, growth_interval=2000):
    return torch.amp.GradScaler(DEVICE_TYPE, init_scale=init_scale, growth_interval=growth_interval)


def _stale_grads(model, seed, scale):
    # Gradients left over from an earlier scaled backward pass that was never stepped.
    for i, p in enumerate(model.parameters()):
        p.grad = (scale * randn(seed, *p.shape, label=f"stale-{i}")).to(DEVICE_TYPE)


def probe_step(mod, seed, trial):
    """One step: returned loss and its type, the autocast dtype seen in forward, the parameters."""
    opt_kind, crit, n, init_scale = STEP_SETUPS[trial]
    model = _model(seed)
    opt = _optimizer(opt_kind, model)
    scaler = _scaler(init_scale)
    x, y = _batch(seed, crit, n, "step")
    _stale_grads(model, seed, init_scale)
    ret = mod.amp_train_step(model, x, y, opt, _criterion(crit), scaler, DEVICE_TYPE)
    return {
        "loss_type": _type_name(ret),
        "loss": scalar_tensor(ret, "amp_train_step"),
        "forward_dtypes": model.seen[:1],  # the dtype the (first) forward pass ran in
        "forward_calls": len(model.seen),
        "params": param_list(model),
    }


def probe_loop(mod, seed, trial):
    """Several steps with one scaler: its scale after each step and the final parameters."""
    opt_kind, crit, init_scale, interval, steps = LOOP_SETUPS[trial]
    model = _model(seed)
    opt = _optimizer(opt_kind, model)
    criterion = _criterion(crit)
    scaler = _scaler(init_scale, interval)
    _stale_grads(model, seed, init_scale)
    scales = []
    for step in range(steps):
        x, y = _batch(seed, crit, BATCH, f"loop-{step}")
        mod.amp_train_step(model, x, y, opt, criterion, scaler, DEVICE_TYPE)
        scales.append(_float(scaler.get_scale()))
    return {"scales": scales, "params": param_list(model)}


def probe_overflow(mod, seed, trial):
    """A step whose scaled gradients overflow to inf: the parameters after it."""
    model = _model(seed)
    opt = _optimizer(OVERFLOW_SETUPS[trial], model)
    scaler = _scaler(OVERFLOW_SCALE)
    x, y = _batch(seed, "mse", BATCH, "overflow", target_scale=1e4)
    mod.amp_train_step(model, x, y, opt, torch.nn.MSELoss(), scaler, DEVICE_TYPE)
    return {"params": param_list(model)}
