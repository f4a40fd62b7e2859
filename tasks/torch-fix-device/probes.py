"""Probes for torch-fix-device: does evaluate() put the model and every batch on `device`?

Two ways to run, chosen once per process:

* GPU worker (`torch.cuda.is_available()`): real CUDA. `device` is torch.device("cuda"), batches
  that must be moved are real CPU tensors, a forgotten `.to(device)` raises PyTorch's own error.
* CPU-only worker: a second device is emulated. Batches are `DeviceTensor`s tagged "host" or
  "device"; the probe model is placed "host" until `.to(device)` / `.cuda()`; any op that mixes
  tags (and a model forward on an input placed elsewhere) raises the same RuntimeError CUDA would.
  `.cuda()` and `.to("cuda")` count as moves to the device, for tensors and for the model: on a
  GPU worker they really reach `device` (cuda:0), so both kinds of worker give the same verdict.
  Tensors the candidate creates itself (torch.zeros(...)) are untagged and mix with anything.

Either way the probes only record raw facts (the returned value and its type, where the model
ended up, the flags seen in forward: the mode of every submodule and the grad mode); the grader
compares them with the reference's. The accuracy is observed on a run whose dropout probability is
0, so that its check judges how the accuracy is computed alone, whatever the mode.
"""

import torch

from grader.harness.kit import canonical_init, capture, generator, randn, type_name

# Bound now: this module is compiled before the candidate's code is imported.
_Tensor = torch.Tensor
_TensorBase = torch._C.TensorBase
_disabled = torch._C.DisableTorchFunctionSubclass
_as_subclass = capture(torch.Tensor, "as_subclass")
_parse_to = capture(torch._C._nn, "_parse_to")
_is_grad_enabled = capture(torch, "is_grad_enabled")
_float, _bool, _type, _isinstance = float, bool, type, isinstance
_t_to, _t_detach, _t_numel, _t_reshape, _t_tolist = capture(_TensorBase, "to", "detach", "numel", "reshape", "tolist")

FEATURES, HIDDEN, CLASSES, DROPOUT, WRONG = 8, 32, 5, 0.5, 0.15
# trial -> (samples, batch size, loader kind); trials 1 and 2 end with a partial batch.
TRIALS = {0: (20, 1, "list"), 1: (37, 8, "list"), 2: (37, 16, "dataloader")}

HOST, DEVICE = "host", "device"
MIXED = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
CUDA = torch.cuda.is_available()
REAL_DEVICE = torch.device("cuda") if CUDA else None  # the `device` argument on a GPU worker

# ----------------------------------------------------------------------------------------------
# CPU-only emulation of a second device
# ----------------------------------------------------------------------------------------------

# The `device` argument on a CPU-only worker: a real torch.device that .to() accepts, distinct
# from plain "cpu" so that `t.to(t.device)` on a host tensor is not mistaken for a move.
EMU_DEVICE = torch.device("cpu", 0)
_TAG = "_dlgrader_where"


def _tag_for(device) -> str:
    """Where `.to(device)` sends a tensor: the emulated device (or any CUDA device: a GPU worker
    would run that code on the GPU too, so both workers agree) or the host."""
    d = torch.device(device) if not _isinstance(device, torch.device) else device
    return DEVICE if d.type == "cuda" or d == EMU_DEVICE else HOST


def _where(t):
    """A tensor's tag; None for untagged tensors (created by the candidate's own code)."""
    return getattr(t, _TAG, None) if _isinstance(t, _Tensor) else None


def _tag(t, where):
    with _disabled():
        out = _as_subclass(t, DeviceTensor)
    setattr(out, _TAG, where)
    return out


def _wrap(out, where):
    if _isinstance(out, _Tensor):
        return _tag(out, where)
    if _isinstance(out, (tuple, list)):  # incl. torch.return_types (torch.max -> values, indices)
        items = [_wrap(o, where) for o in out]
        try:
            return _type(out)(items)
        except TypeError:
            return _type(out)(*items)
    return out


def _tags_in(obj, found, depth=0):
    if depth > 4:
        return
    w = _where(obj)
    if w is not None:
        found.add(w)
    elif _isinstance(obj, (tuple, list)):
        for o in obj:
            _tags_in(o, found, depth + 1)
    elif _isinstance(obj, dict):
        for o in obj.values():
            _tags_in(o, found, depth + 1)


def _move(func, args, kwargs):
    """Tensor.to / .cuda / .cpu on a tagged tensor: a new tensor (the original keeps its tag)."""
    self, rest, kwargs = args[0], args[1:], dict(kwargs)
    name = func.__name__
    if name == "cpu":
        return _tag(self, HOST)
    if name == "cuda":
        return _tag(self, DEVICE)
    copy = kwargs.pop("copy", False)
    if rest and _isinstance(rest[0], _Tensor):  # t.to(other): other's device and dtype
        where, dtype = _where(rest[0]) or HOST, rest[0].dtype
        non_blocking, memory_format = (rest[1:2] or [kwargs.get("non_blocking", False)])[0], None
    else:
        device, dtype, non_blocking, memory_format = _parse_to(*rest, **kwargs)
        where = _where(self) if device is None else _tag_for(device)
    with _disabled():
        out = _t_to(
            self,
            dtype=dtype if dtype is not None else self.dtype,
            non_blocking=_bool(non_blocking),
            copy=_bool(copy),
            memory_format=memory_format or torch.preserve_format,
        )
    return _tag(out, where)


# Python-level Tensor methods that misbehave on a subclass (__format__ only formats 0-dim values of
# exact type Tensor, __deepcopy__ needs new_empty) or would show the emulation's class name.
_PLAIN_SELF = ("__format__", "__repr__", "__str__", "__deepcopy__")


class DeviceTensor(torch.Tensor):
    """A CPU tensor that knows which emulated device ("host" or "device") it lives on."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if getattr(func, "__self__", None) is _TensorBase.device:  # the .device property
            return EMU_DEVICE if _where(args[0]) == DEVICE else torch.device("cpu")
        if func in (_TensorBase.to, _TensorBase.cuda, _TensorBase.cpu):
            return _move(func, args, kwargs)
        found: set = set()
        _tags_in(args, found)
        _tags_in(kwargs, found)
        if len(found) > 1:
            raise RuntimeError(MIXED)
        where = next(iter(found), HOST)
        if name in ("numpy", "__array__") and where == DEVICE:
            raise TypeError(
                "can't convert cuda:0 device type tensor to numpy. "
                "Use Tensor.cpu() to copy the tensor to host memory first."
            )
        if kwargs.get("device") is not None:  # torch.as_tensor(t, device=...), torch.zeros_like(t, device=...)
            where = _tag_for(kwargs["device"])
        if name in _PLAIN_SELF:
            args = (_as_subclass(args[0], _Tensor), *args[1:])
        with _disabled():
            out = func(*args, **kwargs)
        return _wrap(out, where)


# ----------------------------------------------------------------------------------------------
# The probe model
# ----------------------------------------------------------------------------------------------


class ProbeClassifier(torch.nn.Module):
    """Linear -> ReLU -> Dropout -> Linear; records the mode and grad flag at every forward call.
    Under emulation it also tracks where it was moved and refuses inputs from elsewhere."""

    def __init__(self, emulate: bool, dropout: float = DROPOUT):
        super().__init__()
        self.hidden = torch.nn.Linear(FEATURES, HIDDEN)
        self.drop = torch.nn.Dropout(dropout)
        self.out = torch.nn.Linear(HIDDEN, CLASSES)
        self._emulate = emulate
        self._placed = HOST
        self._seen = []  # (mode of the submodules, grad enabled) at every forward call

    def logits(self, x):
        return self.out(self.drop(torch.relu(self.hidden(x))))

    # Moves, under emulation only; on a GPU worker the real nn.Module methods run.
    def to(self, *args, **kwargs):
        if not self._emulate:
            return super().to(*args, **kwargs)
        device, dtype, _, _ = _parse_to(*args, **kwargs)
        if device is not None:
            self._placed = _tag_for(device)
        if dtype is not None:
            super().to(dtype=dtype)
        return self

    def cuda(self, device=None):
        if not self._emulate:
            return super().cuda(device)
        self._placed = DEVICE
        return self

    def cpu(self):
        if not self._emulate:
            return super().cpu()
        self._placed = HOST
        return self

    def mode(self) -> str:
        """ "train" / "eval" when every submodule (the model included) is in that mode, else "mixed"."""
        flags = {_bool(m.training) for m in self.modules()}
        return "mixed" if len(flags) > 1 else ("train" if True in flags else "eval")

    def forward(self, x):
        self._seen.append((self.mode(), _bool(_is_grad_enabled())))
        if not self._emulate:
            return self.logits(x)
        if not _isinstance(x, _Tensor):
            raise TypeError(f"forward expected a tensor, got {_type(x).__name__}")
        if (_where(x) or HOST) != self._placed:
            raise RuntimeError(MIXED)
        with _disabled():
            out = self.logits(_as_subclass(x, _Tensor))
        return _tag(out, self._placed)

    def on_device(self) -> bool:
        if self._emulate:
            return self._placed == DEVICE
        return all(p.device.type == REAL_DEVICE.type for p in self.parameters())


# ----------------------------------------------------------------------------------------------
# Data and the call
# ----------------------------------------------------------------------------------------------


def _data(seed, trial, model):
    """Inputs and int64 labels: mostly the model's eval-mode predictions, some wrong, and every
    sample of a final partial batch wrong (so averaging per-batch accuracies is visibly off)."""
    n, batch, _ = TRIALS[trial]
    x = randn(seed, n, FEATURES, label="inputs")
    with torch.no_grad():
        pred = model.logits(x).argmax(1)  # the model is in eval mode here
    g = generator(seed, "labels")
    wrong = torch.rand(n, generator=g) < WRONG
    tail = n % batch
    if tail:
        wrong[n - tail :] = True
    shift = torch.randint(1, CLASSES, (n,), generator=g)
    y = torch.where(wrong, (pred + shift) % CLASSES, pred).to(torch.int64)
    return x, y


def _loader(x, y, trial):
    n, batch, kind = TRIALS[trial]
    if kind == "dataloader":
        from torch.utils.data import DataLoader, TensorDataset

        return DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=False)
    return [(x[i : i + batch], y[i : i + batch]) for i in range(0, n, batch)]


def _run(mod, seed, trial, inputs_at, labels_at, dropout=DROPOUT):
    model = ProbeClassifier(emulate=not CUDA, dropout=dropout)
    canonical_init(model, seed)
    model.eval()
    x, y = _data(seed, trial, model)
    model.train()  # a correct evaluate() must switch it to eval mode itself
    if CUDA:
        device = REAL_DEVICE
        x = x.to(device) if inputs_at == DEVICE else x
        y = y.to(device) if labels_at == DEVICE else y
    else:
        device = EMU_DEVICE
        x, y = _tag(x, inputs_at), _tag(y, labels_at)
    loader = _loader(x, y, trial)
    torch.manual_seed(seed)  # dropout, should the candidate leave it active
    result = mod.evaluate(model, loader, device)
    return result, model


def _number(v):
    """The returned accuracy as a plain float, whatever its type (the type is observed apart)."""
    if _isinstance(v, _Tensor):
        with _disabled():
            plain = _as_subclass(v, _Tensor)
            if _t_numel(plain) != 1:
                return None
            return _float(_t_tolist(_t_reshape(_t_to(_t_detach(plain), device="cpu", dtype=torch.float64), (-1,)))[0])
    if _isinstance(v, float):
        return float.__float__(v)
    if _isinstance(v, int) and not _isinstance(v, bool):
        return _float(int.__int__(v))
    return None


def _type_name(v):
    if _isinstance(v, _Tensor):
        return "torch.Tensor"  # DeviceTensor is the emulation's, not the candidate's
    return type_name(v)


def probe_evaluate(mod, seed, trial):
    """Batches already on the device: the return type, model placement, mode and grad flags."""
    result, model = _run(mod, seed, trial, DEVICE, DEVICE)
    seen = list(model._seen)
    return {
        "accuracy_type": _type_name(result),
        "model_on_device": model.on_device(),
        "modes_seen": sorted({m for m, _ in seen}),
        "grad_seen": sorted({"enabled" if g else "disabled" for _, g in seen}),
    }


def probe_accuracy(mod, seed, trial):
    """Batches already on the device and a dropout probability of 0: the returned accuracy."""
    result, _ = _run(mod, seed, trial, DEVICE, DEVICE, dropout=0.0)
    return {"accuracy_value": _number(result)}


def probe_inputs_on_host(mod, seed, trial):
    """Inputs on the host, labels already on the device: did the run get through?"""
    _, model = _run(mod, seed, trial, HOST, DEVICE)
    return {"returned": True, "model_called": len(model._seen) > 0}


def probe_labels_on_host(mod, seed, trial):
    """Inputs already on the device, labels on the host: did the run get through?"""
    _, model = _run(mod, seed, trial, DEVICE, HOST)
    return {"returned": True, "model_called": len(model._seen) > 0}
