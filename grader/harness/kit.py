"""Helpers for task probes (tasks/<id>/probes.py): seeded inputs, style-independent weights,
plain scalars and snapshots, and originals captured before the candidate's code runs.

Probes only compute and return raw values; every comparison happens in the grader's process.
Frameworks are imported inside the helpers that need them: a sandbox may have only one of
numpy, torch and tensorflow.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import sys
from typing import Any

_type = type  # captured before any candidate code runs
_float, _isinstance, _tuple, _list, _dict, _getattr = float, isinstance, tuple, list, dict, getattr

_RAISE = object()  # "no default given": scalar helpers re-raise


def type_name(value) -> str:
    """Qualified name of the exact type of value: "float", "numpy.float32", "submission.Liar"."""
    t = _type(value)
    name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    return str.__str__(name)[:200]  # the grader refuses longer names as malformed


# ----------------------------------------------------------------------------------------------
# Originals, captured before the candidate's module is imported
# ----------------------------------------------------------------------------------------------


def capture(obj, *names: str):
    """The attributes `names` of obj as they are now: module-level probe code runs before the
    candidate's module is imported, so what it captures is immune to later monkeypatching
    (`torch.Tensor.backward = ...`, `np.ndarray.copy = ...`, `builtins.isinstance = ...`).
    A property or other data descriptor of a class comes back as its getter, called with the
    instance: `requires_grad = capture(torch._C.TensorBase, "requires_grad")`, then
    `requires_grad(t)`. One name gives the attribute itself, several give a tuple.

        _detach, _clone = capture(torch._C.TensorBase, "detach", "clone")
        _manual_seed = capture(torch, "manual_seed")
    """
    if not names:
        raise TypeError("capture(obj, *names) needs at least one name")
    found = []
    for name in names:
        static: Any = inspect.getattr_static(obj, name) if _isinstance(obj, _type) else None
        if hasattr(static, "__get__") and hasattr(static, "__set__"):
            found.append(static.__get__)  # a property / getset / member descriptor: its getter
        else:
            found.append(_getattr(obj, name))
    return found[0] if len(found) == 1 else _tuple(found)


_ops: dict = {}


def prepare() -> None:
    """Capture the framework methods the kit's own helpers use (detach, clone, to, ...), for
    every framework imported so far. Call it at the top of probes.py, after importing torch:
    probes.py runs before the candidate's module is imported. Without it the helpers capture
    them at their first call (after the candidate's import)."""
    if "torch" in sys.modules and "torch" not in _ops:
        import torch

        base = torch._C.TensorBase
        _ops["torch"] = {
            "Tensor": torch.Tensor,
            "detach": base.detach,
            "clone": base.clone,
            "to": base.to,
            "reshape": base.reshape,
            "as_tensor": torch.as_tensor,
            "float64": torch.float64,
        }


def _torch_ops() -> dict:
    prepare()
    return _ops["torch"]


# ----------------------------------------------------------------------------------------------
# Seeds and seeded inputs
# ----------------------------------------------------------------------------------------------


def sub_seed(seed: int, *parts: object) -> int:
    """A seed derived from `seed` and labels, stable across processes."""
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2**31


def small_seed(seed: int, *parts: object, below: int = 100_000) -> int:
    """sub_seed reduced below `below`: for APIs that want a small op seed (tf.random, Keras layers)."""
    return sub_seed(seed, *parts) % below


def generator(seed: int, *parts: object):
    """A torch.Generator seeded from `seed` and labels."""
    import torch

    return torch.Generator().manual_seed(sub_seed(seed, *parts))


def randn(seed: int, *shape: int, dtype=None, label: str = "x"):
    """A standard-normal torch tensor (float32 unless dtype), seeded from `seed` and `label`."""
    import torch

    return torch.randn(*shape, generator=generator(seed, label), dtype=dtype or torch.float32)


def np_rng(seed: int, *parts: object):
    """A numpy.random.Generator seeded from `seed` and labels (NumPy and TensorFlow inputs)."""
    import numpy as np

    return np.random.default_rng(sub_seed(seed, *parts))


# ----------------------------------------------------------------------------------------------
# Style-independent weights
# ----------------------------------------------------------------------------------------------


def canonical_init(model, seed: int) -> None:
    """Give every parameter a value determined by its module type, name and shape, not by the
    order the candidate created layers in, so any correct architecture style computes the same."""
    import torch

    with torch.no_grad():
        for module in model.modules():
            for name, param in module.named_parameters(recurse=False):
                shape = tuple(param.shape)
                fan_in = shape[1] if len(shape) > 1 else shape[0]
                bound = 1.0 / math.sqrt(max(fan_in, 1))
                g = generator(seed, type(module).__name__, name, shape)
                values = torch.rand(shape, generator=g, dtype=torch.float64) * 2 * bound - bound
                param.copy_(values.to(param.dtype))


def modules_of(model, kind) -> list:
    """Submodules of an exact type, in registration order."""
    return [m for m in model.modules() if type(m) is kind]


def _short_name(variable) -> str:
    """A Keras variable's own name ("kernel"), without the process-global layer path."""
    name = str(variable.name)
    return name.rsplit("/", 1)[-1].split(":", 1)[0]


def _keras_keyed(model, key: str, trainable_only: bool) -> list:
    """(labels, variable) pairs; the labels identify a variable whatever its global path."""
    if key == "layer":
        return [
            ((i, v.name, tuple(v.shape)), v)
            for i, layer in enumerate(model.layers)
            for v in (layer.trainable_weights if trainable_only else layer.weights)
        ]
    variables = model.trainable_variables if trainable_only else model.weights
    pairs: list = []
    seen: dict[tuple, int] = {}
    for v in variables:
        shape = tuple(int(d) for d in v.shape)
        labels: tuple
        if key == "shape":
            labels = (shape,)
        elif key == "shape_rank":
            k = seen[shape] = seen.get(shape, -1) + 1
            labels = (shape, k)
        elif key == "name":
            labels = (_short_name(v), shape)
        else:
            raise ValueError(f"unknown key {key!r}: use name, shape, shape_rank or layer")
        pairs.append((labels, v))
    return pairs


def _fan_in_uniform(rng, shape: tuple, name: str):
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)); fan_in = every axis but the last (Keras kernels are
    [..., in, out]), or the length of a vector."""
    fan_in = math.prod(shape[:-1]) if len(shape) > 1 else (shape[0] if shape else 1)
    bound = 1.0 / math.sqrt(max(fan_in, 1))
    return rng.uniform(-bound, bound, shape)


def keras_init(model, seed: int, fill=None, *, key: str = "name", trainable_only: bool = True, label="keras"):
    """Assign every variable of a built Keras model (call it once first) a value determined by
    `key`, never by Keras' process-global variable paths (`dense_2/kernel`) or the order layers
    were created in, so any correct way of writing the network computes the same.

    key: "name" (the variable's own name and shape: the default), "shape" (shape alone),
    "shape_rank" (shape and its rank among variables of that shape), "layer" (position in
    model.layers, variable name and shape: for Sequential models the probe builds itself).
    fill(rng, shape, name) -> array gives the value from np_rng(seed, label, *key labels);
    the default draws U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Values are assigned as float32.
    trainable_only=False also sets non-trainable variables (BatchNormalization statistics).
    """
    import numpy as np

    fill = fill or _fan_in_uniform
    for labels, v in _keras_keyed(model, key, trainable_only):
        shape = tuple(int(d) for d in v.shape)
        value = fill(np_rng(seed, label, *labels), shape, _short_name(v))
        v.assign(np.asarray(value).astype("float32"))


# ----------------------------------------------------------------------------------------------
# Plain scalars, dtypes and snapshots of what the candidate's code returned or changed
# ----------------------------------------------------------------------------------------------


def _not_a_number(value, what, default, exc):
    if default is not _RAISE:
        return default
    if what is None:
        raise exc
    raise TypeError(f"{what} returned {type_name(value)}, which is not a single number") from None


def scalar(value, what: str | None = None, *, default=_RAISE) -> float:
    """A single number (a Python or NumPy number, a 0-d or one-element array or tensor) as a
    Python float. If it is not one: `default` when given, else a TypeError saying that `what`
    returned a value of that type when `what` is given, else the conversion's own error."""
    import numpy as np

    try:
        if "torch" in sys.modules and _isinstance(value, sys.modules["torch"].Tensor):
            value = value.detach().cpu()
        return _float(np.asarray(value, dtype=np.float64).reshape(()))
    except Exception as exc:
        return _not_a_number(value, what, default, exc)


def scalar_array(value, what: str | None = None, *, default=_RAISE):
    """Like scalar, as a 0-d float64 NumPy array of its own (TensorFlow and NumPy tasks)."""
    import numpy as np

    try:
        return np.array(np.asarray(value, dtype=np.float64).reshape(()))
    except Exception as exc:
        return _not_a_number(value, what, default, exc)


def scalar_tensor(value, what: str | None = None, *, default=_RAISE):
    """Like scalar, as a 0-d float64 CPU torch tensor of its own, detached."""
    ops = _torch_ops()
    try:
        t = ops["as_tensor"](value, dtype=ops["float64"])
        return ops["reshape"](ops["clone"](ops["to"](ops["detach"](t), "cpu")), ())
    except Exception as exc:
        return _not_a_number(value, what, default, exc)


def dtype_name(x) -> str | None:
    """ "float32", "int64", "bool", ... for a torch, NumPy or TensorFlow tensor, array or
    variable, or a dtype itself (byte order dropped: ">f8" is "float64"); None without one."""
    dtype = _getattr(x, "dtype", x)
    if "torch" in sys.modules and _isinstance(dtype, sys.modules["torch"].dtype):
        return str(dtype).removeprefix("torch.")
    if _isinstance(dtype, str):
        return dtype
    name = _getattr(dtype, "name", None)
    return name if _isinstance(name, str) else None


def snapshot(x):
    """A detached CPU copy of a tensor, of each tensor in a list or dict (recursively), None
    kept: the state at this moment, whatever the candidate's code does to the originals later."""
    if x is None:
        return None
    if _isinstance(x, _list):
        return [snapshot(v) for v in x]
    if _isinstance(x, _dict):
        return {k: snapshot(v) for k, v in x.items()}
    ops = _torch_ops()
    return ops["clone"](ops["to"](ops["detach"](x), "cpu"))


def params_of(model) -> dict:
    """{name: copy} of a torch model's parameters (see snapshot)."""
    return {name: snapshot(p) for name, p in model.named_parameters()}


def param_list(model) -> list:
    """Copies of a torch model's parameters, in model.parameters() order (see snapshot)."""
    return [snapshot(p) for p in model.parameters()]


def grads_of(model) -> dict:
    """{name: copy of .grad, or None} of a torch model's parameters (see snapshot)."""
    return {name: snapshot(p.grad) for name, p in model.named_parameters()}


def state_of(model) -> dict:
    """{name: copy} of a torch model's state_dict: parameters and buffers (running statistics)."""
    return {name: snapshot(t) for name, t in model.state_dict().items()}
