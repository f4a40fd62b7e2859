import copy

import numpy as np
import torch

from grader.harness.kit import generator, sub_seed

# Captured when the probes load, before the candidate's module is imported.
_REQUIRES_GRAD = torch._C.TensorBase.requires_grad.__get__
_GRAD_FN = torch._C.TensorBase.grad_fn.__get__
_GRAD = torch._C.TensorBase.grad.__get__
_DETACH = torch._C.TensorBase.detach
_CLONE = torch._C.TensorBase.clone
_FILL = torch._C.TensorBase.fill_
_NP_COPY = np.ndarray.copy

# trial -> what make_leaf receives
LEAF_CASES = {
    0: "int_list",  # [[3, -1, 4], [1, 5, -9]]: torch.tensor would infer int64
    1: "mixed_list",  # 2x2x2 nested list mixing ints and floats
    2: "numpy_float64",  # torch.from_numpy / torch.tensor keep float64
    3: "numpy_float32",  # torch.from_numpy / torch.as_tensor share memory
    4: "tensor_requires_grad",  # a trainable float32 leaf: .clone() would be part of its graph
    5: "int_number",  # a bare Python int: a 0-d tensor (torch.Tensor(7) is 7 uninitialised values)
    6: "tensor_transposed",  # a float32 tensor, not contiguous, no grad: detach()/as_tensor alias it
}

# trial -> (shape, scale or None for the default)
PARAM_CASES = {
    0: ((3, 4), None),
    1: ((5,), 0.02),
    2: ((2, 3, 4), 2.5),
    3: ((1,), 0.5),
    4: ((4, 1), 1.0),
    5: ((6, 2), 0.1),
    6: ((2, 2), 3.0),
}


def _values(seed, trial):
    kind = LEAF_CASES[trial]
    g = generator(seed, "leaf", trial)
    if kind == "int_list":
        return torch.randint(-9, 10, (2, 3), generator=g).tolist()
    if kind == "mixed_list":
        ints = torch.randint(-9, 10, (8,), generator=g).tolist()
        floats = torch.randn(8, generator=g, dtype=torch.float64).tolist()
        flat = [i if k % 3 == 0 else f for k, (i, f) in enumerate(zip(ints, floats))]
        return [[flat[0:2], flat[2:4]], [flat[4:6], flat[6:8]]]
    if kind == "numpy_float64":
        return torch.randn(3, 2, generator=g, dtype=torch.float64).numpy()
    if kind == "numpy_float32":
        return torch.randn(5, generator=g).numpy()
    if kind == "tensor_requires_grad":
        return torch.randn(3, 2, generator=g).requires_grad_(True)
    if kind == "int_number":
        return int(torch.randint(2, 9, (), generator=g))
    return torch.randn(4, 3, generator=g).t()


def _snapshot(values):
    if isinstance(values, torch.Tensor):
        return {
            "values": _CLONE(_DETACH(values)),
            "requires_grad": bool(_REQUIRES_GRAD(values)),
            "has_grad": _GRAD(values) is not None,
        }
    if isinstance(values, np.ndarray):
        return _NP_COPY(values)
    return copy.deepcopy(values)


def probe_leaf(mod, seed, trial):
    out = mod.make_leaf(_values(seed, trial))
    return {
        "result": out,
        "graph": {"requires_grad": bool(_REQUIRES_GRAD(out)), "is_leaf": _GRAD_FN(out) is None},
    }


def probe_alias(mod, seed, trial):
    """Overwrite the result in place; the caller's input must not change."""
    values = _values(seed, trial)
    try:
        out = mod.make_leaf(values)
        with torch.no_grad():
            _FILL(out, -7)
    except Exception:
        pass  # a crash is graded by the other checks; here only the input matters
    return {"input_after": _snapshot(values)}


def probe_param(mod, seed, trial):
    shape, scale = PARAM_CASES[trial]
    pseed = sub_seed(seed, "param") if trial else 0
    torch.manual_seed(sub_seed(seed, "global"))
    if scale is None:
        out = mod.random_param(shape, pseed)
    else:
        out = mod.random_param(shape, pseed, scale)
    global_draw = torch.rand(4)
    return {
        "param": out,
        "graph": {"requires_grad": bool(_REQUIRES_GRAD(out)), "is_leaf": _GRAD_FN(out) is None},
        "global_draw": global_draw,
    }
