"""Helpers for task probes (tasks/<id>/probes.py): seeded inputs and style-independent weights.

Probes only compute and return raw values; every comparison happens in the grader's process.
"""

from __future__ import annotations

import hashlib
import math

_type = type  # captured before any candidate code runs


def type_name(value) -> str:
    """Qualified name of the exact type of value: "float", "numpy.float32", "submission.Liar"."""
    t = _type(value)
    name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    return str.__str__(name)[:200]  # the grader refuses longer names as malformed


def sub_seed(seed: int, *parts: object) -> int:
    """A seed derived from `seed` and labels, stable across processes."""
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2**31


def generator(seed: int, *parts: object):
    import torch

    return torch.Generator().manual_seed(sub_seed(seed, *parts))


def randn(seed: int, *shape: int, dtype=None, label: str = "x"):
    import torch

    return torch.randn(*shape, generator=generator(seed, label), dtype=dtype or torch.float32)


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
