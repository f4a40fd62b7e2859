import torch

from grader.harness.kit import generator, randn

# Captured when the probes load, before the candidate's module is imported.
_REQUIRES_GRAD = torch._C.TensorBase.requires_grad.__get__
_DETACH = torch._C.TensorBase.detach
_CLONE = torch._C.TensorBase.clone

# trial -> (N, C, logits dtype, labels taken as a non-contiguous column)
SIZES = {
    0: (1, 3, torch.float32, False),
    1: (7, 5, torch.float32, True),
    2: (16, 10, torch.float64, False),
    3: (32, 2, torch.float32, False),
}
FLOAT_LABELS = {0: torch.float32, 1: torch.float64, 2: torch.float32, 3: torch.float64}


def _case(mod, seed, trial, label_dtype):
    n, c, dtype, strided = SIZES[trial]
    leaf = randn(seed, n, c, dtype=dtype, label="logits").requires_grad_(True)
    logits = leaf.clone()  # like a model's output: not a leaf, requires grad
    idx = torch.randint(0, c, (n, 2), generator=generator(seed, "labels"))
    labels = (idx[:, 1] if strided else idx[:, 0].clone()).to(label_dtype)
    loss = mod.classification_loss(logits, labels)
    grad = None
    if isinstance(loss, torch.Tensor) and _REQUIRES_GRAD(loss) and loss.numel() == 1:
        (grad,) = torch.autograd.grad(loss.reshape(()), leaf)
    return {
        "loss": loss,
        "grad": grad,
        "inputs_after": {"logits": _CLONE(_DETACH(logits)), "labels": _CLONE(_DETACH(labels))},
    }


def probe_int64_labels(mod, seed, trial):
    return _case(mod, seed, trial, torch.int64)


def probe_int32_labels(mod, seed, trial):
    return _case(mod, seed, trial, torch.int32)


def probe_float_labels(mod, seed, trial):
    return _case(mod, seed, trial, FLOAT_LABELS[trial])
