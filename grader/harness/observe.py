"""Turn probe results into plain JSON data with exact type checks.

Originals of every method used are captured before the candidate's code is imported, so a
candidate that patches torch/numpy methods or returns subclasses that "equal" everything is
observed as its plain value.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from grader.harness.kit import type_name

MAX_DEPTH = 12
MAX_ELEMENTS = 200_000
MAX_STR = 4000

_orig: dict[str, Any] = {}


def capture() -> None:
    """Snapshot the library functions observation relies on (call before candidate import)."""
    _orig["float"] = float.__float__
    _orig["int"] = int.__int__
    _orig["str"] = str.__str__
    _orig["list_iter"] = list.__iter__
    _orig["tuple_iter"] = tuple.__iter__
    _orig["dict_items"] = dict.items
    _orig["isnan"] = math.isnan
    if "numpy" in sys.modules:
        import numpy as np

        _orig["np"] = np
        _orig["np_view"] = np.ndarray.view
        _orig["np_tolist"] = np.ndarray.tolist
        _orig["np_reshape"] = np.ndarray.reshape
        _orig["np_astype"] = np.ndarray.astype
    if "torch" in sys.modules:
        import torch

        _orig["torch"] = torch
        _orig["t_as_subclass"] = torch.Tensor.as_subclass
        _orig["t_detach"] = torch._C.TensorBase.detach
        _orig["t_cpu"] = torch._C.TensorBase.cpu
        _orig["t_float"] = torch._C.TensorBase.float
        _orig["t_reshape"] = torch._C.TensorBase.reshape
        _orig["t_tolist"] = torch._C.TensorBase.tolist
        _orig["t_is_complex"] = torch._C.TensorBase.is_complex
        # getset descriptors on the class (the stubs type the instance attributes): their getters
        _orig["t_requires_grad"] = torch._C.TensorBase.requires_grad.__get__  # type: ignore[attr-defined]
        _orig["t_grad_fn"] = torch._C.TensorBase.grad_fn.__get__  # type: ignore[union-attr]
        _orig["t_is_contiguous"] = torch._C.TensorBase.is_contiguous
        _orig["t_disable_tf"] = torch._C.DisableTorchFunctionSubclass
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        _orig["tf"] = tf
        _orig["tf_convert"] = tf.convert_to_tensor
        _orig["tf_eager_numpy"] = type(tf.constant(0.0)).numpy


def _float(v: float) -> Any:
    # JSON has no NaN/inf literals in the strict sense; encode them as strings the judge knows.
    if v != v:
        return "nan"
    if v in (math.inf, -math.inf):
        return "inf" if v > 0 else "-inf"
    return v


def _flat_values(vals: list, dtype: str) -> list:
    if dtype.startswith(("float", "bfloat", "complex")):
        return [_float(v) for v in vals]
    return vals


def _torch_tensor(x: Any) -> dict:
    torch = _orig["torch"]
    with _orig["t_disable_tf"]():
        plain = _orig["t_as_subclass"](x, torch.Tensor)
        requires_grad = bool(_orig["t_requires_grad"](plain))
        has_grad_fn = _orig["t_grad_fn"](plain) is not None
        d = _orig["t_detach"](plain)
        dtype = str(d.dtype).removeprefix("torch.")
        shape = [int(s) for s in d.shape]
        device = str(d.device)
        contiguous = bool(_orig["t_is_contiguous"](d))
        n = d.numel()
        values = None
        if n <= MAX_ELEMENTS and not _orig["t_is_complex"](d) and d.device.type != "meta":
            c = _orig["t_cpu"](d)
            if dtype in ("float16", "bfloat16"):
                c = _orig["t_float"](c)
            values = _flat_values(_orig["t_tolist"](_orig["t_reshape"](c, (-1,))), dtype)
    return {
        "kind": "tensor",
        "type": type_name(x),
        "dtype": dtype,
        "shape": shape,
        "device": device,
        "requires_grad": requires_grad,
        "has_grad_fn": has_grad_fn,
        "contiguous": contiguous,
        "values": values,
    }


def _ndarray(x: Any, kind: str = "ndarray", typename: str | None = None) -> dict:
    np = _orig["np"]
    plain = _orig["np_view"](x, np.ndarray)
    dtype = str(plain.dtype)
    values = None
    if plain.size <= MAX_ELEMENTS and plain.dtype.kind in "biuf":
        values = _flat_values(_orig["np_tolist"](_orig["np_reshape"](plain, -1)), dtype)
    return {
        "kind": kind,
        "type": typename or type_name(x),
        "dtype": dtype,
        "shape": [int(s) for s in plain.shape],
        "values": values,
    }


def encode(x: Any, depth: int = 0) -> Any:
    """Encode a probe result as plain, self-describing JSON data."""
    if depth > MAX_DEPTH:
        return {"kind": "object", "type": "too-deep"}
    t = type(x)
    if x is None:
        return {"kind": "none"}
    if t is bool:
        return {"kind": "bool", "value": x}
    if isinstance(x, int):
        return {"kind": "int", "type": type_name(x), "value": _orig["int"](x)}
    if isinstance(x, float):
        return {"kind": "float", "type": type_name(x), "value": _float(_orig["float"](x))}
    if isinstance(x, str):
        return {"kind": "str", "type": type_name(x), "value": _orig["str"](x)[:MAX_STR]}
    if isinstance(x, (list, tuple)):
        it = _orig["list_iter"](x) if isinstance(x, list) else _orig["tuple_iter"](x)
        items = []
        for i, item in enumerate(it):
            if i >= 10_000:
                break
            items.append(encode(item, depth + 1))
        return {"kind": "list", "type": type_name(x), "items": items}
    if isinstance(x, dict):
        entries = {}
        for i, (k, v) in enumerate(_orig["dict_items"](x)):
            if i >= 10_000:
                break
            entries[_orig["str"](str(k))[:200]] = encode(v, depth + 1)
        return {"kind": "dict", "items": entries}
    torch = _orig.get("torch")
    if torch is not None:
        if isinstance(x, torch.Tensor):
            return _torch_tensor(x)
        if t is torch.dtype:
            return {"kind": "str", "type": "torch.dtype", "value": str(x).removeprefix("torch.")}
        if t is torch.device:
            return {"kind": "str", "type": "torch.device", "value": str(x)}
        if t is torch.Size:
            return {"kind": "list", "type": "torch.Size", "items": [encode(int(s)) for s in x]}
    np = _orig.get("np")
    if np is not None:
        if isinstance(x, np.ndarray):
            return _ndarray(x)
        if isinstance(x, np.generic):
            a = np.asarray(x)
            enc = _ndarray(a, typename=type_name(x))
            vals = enc["values"]
            value = vals[0] if vals else None
            kind = "float" if a.dtype.kind == "f" else "int" if a.dtype.kind in "iu" else "object"
            return {"kind": kind, "type": type_name(x), "value": value, "dtype": enc["dtype"]}
    tf = _orig.get("tf")
    if tf is not None and isinstance(x, (tf.Tensor, tf.Variable)):
        assert np is not None  # TensorFlow imports NumPy
        eager = _orig["tf_convert"](x)
        enc = _ndarray(np.asarray(_orig["tf_eager_numpy"](eager)), kind="tensor", typename=type_name(x))
        enc["device"] = "cpu" if "CPU" in str(getattr(eager, "device", "")) else str(getattr(eager, "device", ""))
        return enc
    return {"kind": "object", "type": type_name(x)}
