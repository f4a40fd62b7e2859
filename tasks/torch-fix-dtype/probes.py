"""Probes for torch-fix-dtype.

The loss value, its kind (0-dim, dtype) and its gradient are observed with int64 labels and
compared with the reference. For int32 and float labels the probes observe the candidate's loss
on those labels next to its own loss on the same labels as int64, so that those checks judge the
label-dtype handling alone. Whether the caller's tensors are left unchanged is observed in a probe
of its own, which records them even when the call raises.
"""

import torch

from grader.harness.kit import capture, generator, randn

# Captured when the probes load, before the candidate's module is imported.
_Tensor = torch.Tensor
_REQUIRES_GRAD, _DETACH, _CLONE, _TO = capture(torch._C.TensorBase, "requires_grad", "detach", "clone", "to")
_as_tensor = capture(torch, "as_tensor")
_isinstance, _bool, _float, _int = isinstance, bool, float, int

# trial -> (N, C, logits dtype, labels taken as a non-contiguous column)
SIZES = {
    0: (1, 3, torch.float32, False),
    1: (7, 5, torch.float32, True),
    2: (16, 10, torch.float64, False),
    3: (32, 2, torch.float32, False),
}
FLOAT_LABELS = {0: torch.float32, 1: torch.float64, 2: torch.float32, 3: torch.float64}


def _inputs(seed, trial, label_dtype):
    """A fresh leaf, logits computed from it (like a model's output: requires grad, not a leaf)
    and the labels in `label_dtype`."""
    n, c, dtype, strided = SIZES[trial]
    leaf = randn(seed, n, c, dtype=dtype, label="logits").requires_grad_(True)
    logits = leaf.clone()
    idx = torch.randint(0, c, (n, 2), generator=generator(seed, "labels"))
    labels = (idx[:, 1] if strided else idx[:, 0].clone()).to(label_dtype)
    return leaf, logits, labels


def _value(loss):
    """The returned loss's value as float64, whatever it was returned as (its kind is judged apart)."""
    if _isinstance(loss, _Tensor):
        return _TO(_CLONE(_DETACH(loss)), dtype=torch.float64)
    if _isinstance(loss, (_int, _float)) and not _isinstance(loss, _bool):
        return _as_tensor(_float(loss), dtype=torch.float64)
    return loss


def _loss(mod, seed, trial, label_dtype):
    leaf, logits, labels = _inputs(seed, trial, label_dtype)
    return leaf, mod.classification_loss(logits, labels)


def probe_int64_labels(mod, seed, trial):
    """int64 labels: the loss as returned, its value, and the gradient it gives the logits."""
    leaf, loss = _loss(mod, seed, trial, torch.int64)
    grad = None
    if _isinstance(loss, _Tensor) and _REQUIRES_GRAD(loss) and loss.numel() == 1:
        (grad,) = torch.autograd.grad(loss.reshape(()), leaf)
    return {"loss": loss, "value": _value(loss), "grad": grad}


def _versus_int64(mod, seed, trial, label_dtype):
    _, loss = _loss(mod, seed, trial, label_dtype)
    _, loss64 = _loss(mod, seed, trial, torch.int64)
    return {"value": _value(loss), "value_int64_labels": _value(loss64)}


def probe_int32_labels(mod, seed, trial):
    """The loss for int32 labels next to the candidate's own loss for the same labels as int64."""
    return _versus_int64(mod, seed, trial, torch.int32)


def probe_float_labels(mod, seed, trial):
    """The loss for float labels next to the candidate's own loss for the same labels as int64."""
    return _versus_int64(mod, seed, trial, FLOAT_LABELS[trial])


def probe_inputs(mod, seed, trial):
    """The caller's logits and labels after a call with float labels and one with int32 labels,
    recorded whether or not the call raised (a crash is judged by the loss checks)."""
    after = {}
    for name, dtype in (("float_labels", FLOAT_LABELS[trial]), ("int32_labels", torch.int32)):
        _, logits, labels = _inputs(seed, trial, dtype)
        try:
            mod.classification_loss(logits, labels)
        except Exception:
            pass
        after[name] = {"logits": _CLONE(_DETACH(logits)), "labels": _CLONE(_DETACH(labels))}
    return after
