"""Probes for torch-epoch-loop: one epoch of training, then validation.

The device is chosen once per process: real CUDA on a GPU worker (the model is put on the GPU,
batches arrive on the CPU), else the CPU. The probe model records, at every forward call, which
loader was being iterated (train or val), the mode of its submodules (all training, all eval, or
mixed) and whether grad mode was on. It arrives in eval mode, in training mode, or with its
submodules in mixed modes. The metrics are observed on an epoch with learning rate 0 and dropout
probability 0, so that their checks judge how they are computed alone. The probes return raw
facts only: the returned dict's types and values, those flags, the parameters.
"""

import torch

from grader.harness.kit import canonical_init, capture, generator, param_list, prepare, randn, scalar_tensor
from grader.harness.kit import type_name as _type_name

# Bound now: this module is compiled before the candidate's code is imported.
prepare()
_is_grad_enabled = capture(torch, "is_grad_enabled")
_bool, _isinstance, _sorted, _dict = bool, isinstance, sorted, dict

CUDA = torch.cuda.is_available()
DEVICE = torch.device("cuda") if CUDA else torch.device("cpu")

FEATURES, HIDDEN, CLASSES, DROPOUT, WRONG = 8, 32, 5, 0.5, 0.15
# trial -> (train samples, train batch), (val samples, val batch), loader kind, optimizer.
# Every trial but the first validation ends with a smaller batch (the first training one with a
# batch of one sample).
TRIALS = {
    0: ((25, 6), (19, 1), "list", "momentum"),
    1: ((37, 8), (37, 8), "list", "adam"),
    2: ((30, 16), (37, 16), "dataloader", "sgd"),
}
# trial -> the mode the model arrives in: "mixed" is the model itself in training mode but its
# dropout in eval mode (a model.train() puts every submodule in training mode).
ARRIVES = {0: "eval", 1: "train", 2: "mixed"}


class EpochProbeNet(torch.nn.Module):
    """Linear -> ReLU -> Dropout -> Linear; logs (phase, training, grad enabled) at every forward."""

    def __init__(self, state, dropout=DROPOUT):
        super().__init__()
        self.hidden = torch.nn.Linear(FEATURES, HIDDEN)
        self.drop = torch.nn.Dropout(dropout)
        self.out = torch.nn.Linear(HIDDEN, CLASSES)
        self._state = state

    def logits(self, x):
        return self.out(self.drop(torch.relu(self.hidden(x))))

    def mode(self):
        flags = {_bool(m.training) for m in self.modules()}
        return "mixed" if len(flags) > 1 else ("train" if True in flags else "eval")

    def forward(self, x):
        self._state["seen"].append((self._state["phase"], self.mode(), _bool(_is_grad_enabled())))
        return self.logits(x)


class PhaseLoader:
    """A list of batches that notes which phase is running when it is iterated."""

    def __init__(self, batches, phase, state):
        self._batches, self._phase, self._state = batches, phase, state

    def __iter__(self):
        self._state["phase"] = self._phase
        return iter(self._batches)

    def __len__(self):
        return len(self._batches)


class PhaseDataLoader(torch.utils.data.DataLoader):
    """A DataLoader that notes which phase is running when it is iterated."""

    def __iter__(self):
        self._state["phase"] = self._phase
        return super().__iter__()


def _loader(x, y, batch, kind, phase, state):
    if kind == "dataloader":
        dl = PhaseDataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch, shuffle=False)
        dl._state, dl._phase = state, phase
        return dl
    return PhaseLoader([(x[i : i + batch], y[i : i + batch]) for i in range(0, len(x), batch)], phase, state)


def _val_data(seed, model, n, batch):
    """Inputs and labels: mostly the untrained model's eval-mode predictions, some wrong, and every
    sample of a final smaller batch wrong (so averaging per-batch accuracies is visibly off)."""
    x = randn(seed, n, FEATURES, label="val-x")
    with torch.no_grad():
        pred = model.logits(x).argmax(1)  # the model is in eval mode here
    g = generator(seed, "val-labels")
    wrong = torch.rand(n, generator=g) < WRONG
    tail = n % batch
    if tail:
        wrong[n - tail :] = True
    shift = torch.randint(1, CLASSES, (n,), generator=g)
    return x, torch.where(wrong, (pred + shift) % CLASSES, pred).to(torch.int64)


def _optimizer(kind, model, lr_scale):
    if kind == "momentum":
        return torch.optim.SGD(model.parameters(), lr=0.05 * lr_scale, momentum=0.9)
    if kind == "adam":
        return torch.optim.Adam(model.parameters(), lr=0.01 * lr_scale)
    return torch.optim.SGD(model.parameters(), lr=0.2 * lr_scale)


def _run(mod, seed, trial, lr_scale, dropout=DROPOUT):
    (n_train, b_train), (n_val, b_val), kind, opt_kind = TRIALS[trial]
    state = {"phase": "outside", "seen": []}
    model = EpochProbeNet(state, dropout)
    canonical_init(model, seed)
    model.eval()
    train_x = 2.0 * randn(seed, n_train, FEATURES, label="train-x")
    train_y = torch.randint(0, CLASSES, (n_train,), generator=generator(seed, "train-labels"))
    val_x, val_y = _val_data(seed, model, n_val, b_val)
    model.to(DEVICE)  # already on the device
    if ARRIVES[trial] == "train":
        model.train()
    elif ARRIVES[trial] == "mixed":
        model.train()
        model.drop.eval()
    train_loader = _loader(train_x, train_y, b_train, kind, "train", state)
    val_loader = _loader(val_x, val_y, b_val, kind, "val", state)
    optimizer = _optimizer(opt_kind, model, lr_scale)
    torch.manual_seed(seed)  # dropout masks: candidate and reference draw the same ones
    result = mod.run_epoch(model, train_loader, val_loader, optimizer, torch.nn.CrossEntropyLoss(), DEVICE)
    return result, model, state["seen"]


def _entry(result, key):
    return result.get(key) if _isinstance(result, _dict) else None


def _flags(seen, phase, index, on, off):
    return _sorted({on if entry[index] else off for entry in seen if entry[0] == phase})


def _modes(seen, phase):
    return _sorted({entry[1] for entry in seen if entry[0] == phase})


def probe_epoch(mod, seed, trial):
    """A real epoch: returned types, the modes and grad flags seen per phase and the parameters
    after the epoch."""
    result, model, seen = _run(mod, seed, trial, lr_scale=1.0)
    return {
        "types": {str(k): _type_name(v) for k, v in result.items()}
        if _isinstance(result, _dict)
        else _type_name(result),
        "train_modes": _modes(seen, "train"),
        "val_modes": _modes(seen, "val"),
        "val_grad": _flags(seen, "val", 2, "enabled", "disabled"),
        "params": param_list(model),
    }


def probe_metrics(mod, seed, trial):
    """An epoch with learning rate 0 and dropout probability 0: the weights stay put and the mode
    does not change the outputs, so the returned metrics depend only on how they are computed."""
    result, _, _ = _run(mod, seed, trial, lr_scale=0.0, dropout=0.0)
    return {
        # as float64 scalar tensors, whatever their type (the type is observed apart)
        "train_loss": scalar_tensor(_entry(result, "train_loss"), default=None),
        "val_accuracy": scalar_tensor(_entry(result, "val_accuracy"), default=None),
    }
