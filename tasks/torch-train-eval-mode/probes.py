"""Probes for torch-train-eval-mode.

A probe classifier Linear -> BatchNorm1d -> ReLU -> Dropout -> Linear with non-trivial running
statistics records, at every forward call, which mode its layers were in and whether autograd was
recording. Inputs are shifted and scaled so that batch statistics differ clearly from the running
ones, and dropout is strong: any forward pass in training mode changes the output visibly.
"""

import torch

from grader.harness.kit import canonical_init, capture, generator, prepare, randn, state_of, sub_seed

# Bound now: this module is compiled before the candidate's code is imported.
prepare()
_Tensor = torch.Tensor
_requires_grad, _grad_fn, _detach, _clone = capture(torch._C.TensorBase, "requires_grad", "grad_fn", "detach", "clone")
_is_grad_enabled, _softmax = capture(torch, "is_grad_enabled", "softmax")
_bool, _isinstance = bool, isinstance

FEATURES, HIDDEN, CLASSES = 6, 16, 4
# (mode label, grad enabled) at every forward call of any probe model, copies included (a
# candidate may run a deep copy of the model): module-level, so copy.deepcopy does not copy it.
_SEEN = []
# The logits of the latest forward call of a probe model (copies included).
_LOGITS = []
# trial -> (batch size, mode the model arrives in); trial 1 has N == C, so a softmax over the
# wrong dimension keeps the right shape; "mixed": training, but its batch norm frozen in eval mode.
TRIALS = {0: (7, "train"), 1: (4, "train"), 2: (12, "eval"), 3: (5, "mixed")}


class ProbeClassifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(FEATURES, HIDDEN)
        self.bn = torch.nn.BatchNorm1d(HIDDEN)
        self.drop = torch.nn.Dropout(0.5)
        self.fc2 = torch.nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        flags = (self.training, self.bn.training, self.drop.training)
        mode = "train" if all(flags) else "eval" if not any(flags) else "mixed"
        _SEEN.append((mode, "enabled" if _is_grad_enabled() else "disabled"))
        out = self.fc2(self.drop(torch.relu(self.bn(self.fc1(x)))))
        _LOGITS[:] = [_clone(_detach(out))]
        return out


def _model(seed):
    model = ProbeClassifier()
    canonical_init(model, seed)
    with torch.no_grad():
        model.bn.running_mean.copy_(0.5 * randn(seed, HIDDEN, label="running-mean"))
        g = generator(seed, "running-var")
        model.bn.running_var.copy_(0.5 + torch.rand(HIDDEN, generator=g))
        model.bn.num_batches_tracked.fill_(10)
    return model


def _inputs(seed, n, label):
    return 1.5 * randn(seed, n, FEATURES, label=label) + 0.7


def _graph(out):
    if not _isinstance(out, _Tensor):
        return {"requires_grad": None, "has_grad_fn": None}
    return {"requires_grad": _bool(_requires_grad(out)), "has_grad_fn": _grad_fn(out) is not None}


def _arrive(model, how):
    model.train(how != "eval")
    if how == "mixed":
        model.bn.eval()  # a frozen batch norm inside a model that is training


def _softmax_of_last_logits():
    """The softmax over dim 1 of the logits the model returned in the call's last forward pass:
    the probabilities check judges the candidate against this, so the mode the forward ran in is
    judged by the eval_mode check alone."""
    if not _LOGITS:
        return None
    return _softmax(_LOGITS[0], 1)


def probe_predict(mod, seed, trial):
    n, arrival = TRIALS[trial]
    model = _model(seed)
    _arrive(model, arrival)
    x = _inputs(seed, n, "x")
    torch.manual_seed(sub_seed(seed, "dropout"))  # dropout masks, should the candidate leave it on
    _SEEN.clear()
    _LOGITS.clear()
    out = mod.predict(model, x)
    seen = list(_SEEN)
    return {
        "probs": out,
        "softmax_of_logits": _softmax_of_last_logits(),
        "inference": {"forward_modes": sorted({mode for mode, _ in seen}), "state_after": state_of(model)},
        "graph": {**_graph(out), "grad_in_forward": sorted({grad for _, grad in seen})},
        "training_after": [_bool(m.training) for m in model.modules()],
    }


def probe_single(mod, seed, trial):
    """One sample; the model arrives in eval mode here, so that only the batch-of-one handling
    counts (a forward pass in training mode is judged by the eval_mode check)."""
    model = _model(seed)
    model.eval()
    x = _inputs(seed, 1, "single")
    torch.manual_seed(sub_seed(seed, "dropout-single"))
    return {"probs": mod.predict(model, x)}
