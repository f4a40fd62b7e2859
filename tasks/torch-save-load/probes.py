"""Probes for torch-save-load.

Every probe trains a small MLP for a few steps (so the optimizer has real state: Adam moments,
SGD momentum buffers, BatchNorm running statistics), then exercises save_checkpoint /
load_checkpoint in the sandbox's private working directory. Files are written by the candidate
(save probes) or by the probe itself in the format the statement fixes (load probes), so that
saving and loading are graded separately.

A checkpoint "written on a GPU machine" is emulated on the CPU: while the probe saves it, a
storage tagger marks every tensor as living on cuda:0, exactly as torch.save records CUDA
tensors. Loading it without map_location then fails with PyTorch's real error on a CPU-only
machine ("Attempting to deserialize object on a CUDA device ..."), and loads fine with it.
"""

import itertools
import os
import pathlib

import torch
import torch.serialization

from grader.harness.kit import canonical_init, capture, prepare, randn, state_of, sub_seed
from grader.harness.kit import type_name as _type_name

IN, HIDDEN, OUT, BATCH = 5, 16, 3, 8
KEYS = ("model_state_dict", "optimizer_state_dict", "epoch")
EPOCH = {0: 3, 1: 0, 2: 12}
# The `device` argument, as a string or a torch.device.
DEVICE = {0: "cpu", 1: torch.device("cpu"), 2: "cpu"}
GPU_DEVICE = {0: torch.device("cpu"), 1: "cpu", 2: torch.device("cpu")}

_dict, _isinstance, _str, _int = dict, isinstance, str, int
_Module = torch.nn.Module
_Optimizer = torch.optim.Optimizer
_MODULE_STATE_DICT = capture(torch.nn.Module, "state_dict")
_OPTIMIZER_STATE_DICT = capture(torch.optim.Optimizer, "state_dict")
prepare()
_COUNTER = itertools.count()

# ----------------------------------------------------------------------------------------------
# Emulated GPU checkpoints
# ----------------------------------------------------------------------------------------------

_AS_IF_ON_GPU = [False]


def _gpu_tagger(storage):
    return "cuda:0" if _AS_IF_ON_GPU[0] else None


def _no_deserializer(storage, location):
    return None


torch.serialization.register_package(0, _gpu_tagger, _no_deserializer)


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def _model(seed, label):
    # BatchNorm: the model has buffers (running statistics, a step counter) besides parameters
    model = torch.nn.Sequential(
        torch.nn.Linear(IN, HIDDEN), torch.nn.BatchNorm1d(HIDDEN), torch.nn.Tanh(), torch.nn.Linear(HIDDEN, OUT)
    )
    canonical_init(model, sub_seed(seed, label))
    return model


def _optimizer(trial, model):
    if trial == 0:
        return torch.optim.Adam(model.parameters(), lr=0.01)
    if trial == 1:
        return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.05)


def _train(model, opt, seed, label, steps):
    for step in range(steps):
        x = randn(seed, BATCH, IN, label=f"{label}-x{step}")
        y = randn(seed, BATCH, OUT, label=f"{label}-y{step}")
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def _path(trial):
    """A fresh file path in a new folder under the sandbox's working directory."""
    folder = os.path.join(os.getcwd(), f"ckpt-{os.getpid()}-{next(_COUNTER)}")
    os.mkdir(folder)
    path = os.path.join(folder, "checkpoint.pt")
    return pathlib.Path(path) if trial == 2 else path


def _tensors_view(d):
    """A state dict's tensors (or the type of whatever was stored instead)."""
    if not _isinstance(d, _dict):
        return _type_name(d)
    return {_str(k): (v.detach().clone() if _isinstance(v, torch.Tensor) else v) for k, v in d.items()}


def _optimizer_view(sd):
    """An optimizer state dict: per-parameter state tensors and the param groups."""
    if not _isinstance(sd, _dict):
        return _type_name(sd)
    state = sd.get("state")
    return {
        "state": {_str(k): _tensors_view(v) for k, v in state.items()}
        if _isinstance(state, _dict)
        else _type_name(state),
        "param_groups": sd.get("param_groups"),
    }


def _as_state(value):
    """A saved module or optimizer object stands for its state dict here: storing objects instead
    of state dicts is judged by the weights_only check alone."""
    if _isinstance(value, _Module):
        return _MODULE_STATE_DICT(value)
    if _isinstance(value, _Optimizer):
        return _OPTIMIZER_STATE_DICT(value)
    return value


def _modes(model):
    return [bool(m.training) for m in model.modules()]


def _write(path, model, opt, epoch, as_if_on_gpu=False, model_state=None):
    """A checkpoint in the statement's format, written by the probe."""
    checkpoint = {
        "model_state_dict": model.state_dict() if model_state is None else model_state,
        "optimizer_state_dict": opt.state_dict(),
        "epoch": epoch,
    }
    _AS_IF_ON_GPU[0] = as_if_on_gpu
    try:
        torch.save(checkpoint, path)
    finally:
        _AS_IF_ON_GPU[0] = False


# ----------------------------------------------------------------------------------------------
# Probes
# ----------------------------------------------------------------------------------------------


def probe_save(mod, seed, trial):
    """The candidate saves; the probe reads the file back."""
    model = _model(seed, "save")
    opt = _optimizer(trial, model)
    _train(model, opt, seed, "save", 2)
    path = _path(trial)
    mod.save_checkpoint(model, opt, EPOCH[trial], path)
    try:
        ckpt = torch.load(path, weights_only=True)
        weights_only = True
    except Exception:
        ckpt = torch.load(path, weights_only=False)
        weights_only = False
    if _isinstance(ckpt, _dict):
        fmt = {"type": "dict", "epoch": ckpt["epoch"] if "epoch" in ckpt else "missing"}
        saved = {
            "model": _tensors_view(_as_state(ckpt["model_state_dict"])) if "model_state_dict" in ckpt else "missing",
            "optimizer": _optimizer_view(_as_state(ckpt["optimizer_state_dict"]))
            if "optimizer_state_dict" in ckpt
            else "missing",
        }
    else:
        fmt = {"type": _type_name(ckpt)}
        saved = {"model": "not a dict", "optimizer": "not a dict"}
    return {"format": fmt, "weights_only": weights_only, "saved": saved}


def probe_load(mod, seed, trial):
    """The probe writes a checkpoint; the candidate loads it into a fresh model and optimizer."""
    src = _model(seed, "load-src")
    src_opt = _optimizer(trial, src)
    _train(src, src_opt, seed, "load-src", 3)
    path = _path(trial)
    _write(path, src, src_opt, EPOCH[trial])

    model = _model(seed, "load-fresh")
    opt = _optimizer(trial, model)
    # trial 0: training mode; trial 1: mixed (BatchNorm frozen in eval mode); trial 2: eval mode
    model.train(trial != 2)
    if trial == 1:
        model[1].eval()
    modes_before = _modes(model)
    epoch = mod.load_checkpoint(model, opt, path, DEVICE[trial])
    return {
        "epoch": epoch,
        "modes": {"before": modes_before, "after": _modes(model)},
        "model": state_of(model),
        "optimizer": _optimizer_view(opt.state_dict()),
    }


def probe_gpu_checkpoint(mod, seed, trial):
    """A checkpoint saved on a GPU machine, loaded on this CPU-only one, next to the same
    checkpoint saved on a CPU: judged against each other, so only the device handling counts."""
    src = _model(seed, "gpu-src")
    src_opt = _optimizer(trial, src)
    _train(src, src_opt, seed, "gpu-src", 2)
    loaded = {}
    for name, on_gpu in (("from_cpu_file", False), ("from_gpu_file", True)):
        path = _path(trial)
        _write(path, src, src_opt, EPOCH[trial], as_if_on_gpu=on_gpu)
        model = _model(seed, "gpu-fresh")
        opt = _optimizer(trial, model)
        mod.load_checkpoint(model, opt, path, GPU_DEVICE[trial])
        loaded[name] = {"model": state_of(model), "optimizer": _optimizer_view(opt.state_dict())}
    return loaded


def probe_mismatch(mod, seed, trial):
    """A checkpoint whose model_state_dict does not match the model: loading must raise."""
    src = _model(seed, "mismatch-src")
    src_opt = _optimizer(trial, src)
    _train(src, src_opt, seed, "mismatch-src", 1)
    state = dict(src.state_dict())
    if trial == 0:  # a missing key
        del state["3.bias"]
    elif trial == 1:  # an unexpected key
        state["3.scale"] = torch.ones(OUT)
    else:  # a renamed layer: one key missing, one unexpected
        state["head.weight"] = state.pop("3.weight")
    path = _path(trial)
    _write(path, src, src_opt, EPOCH[trial], model_state=state)

    model = _model(seed, "mismatch-fresh")
    opt = _optimizer(trial, model)
    try:
        returned = mod.load_checkpoint(model, opt, path, DEVICE[trial])
    except Exception as e:  # the expected outcome: the probe records which exception
        return {"raised": _type_name(e)}
    return {"raised": "nothing", "returned": returned}
