import copy

import numpy as np
import torch

from grader.harness.kit import capture, generator, sub_seed

# Captured when the probes load, before the candidate's module is imported.
_REQUIRES_GRAD, _GRAD_FN, _GRAD = capture(torch._C.TensorBase, "requires_grad", "grad_fn", "grad")
_DETACH, _CLONE, _FILL = capture(torch._C.TensorBase, "detach", "clone", "fill_")
_NP_COPY = capture(np.ndarray, "copy")
_NP_ARRAY = capture(np, "array")
_NP_FLOAT64 = np.float64

# trial -> what make_leaf receives
LEAF_CASES = {
    0: "int_list",  # [[3, -1, 4], [1, 5, -9]]: torch.tensor would infer int64
    1: "mixed_list",  # 2x2x2 nested list mixing ints and floats
    2: "numpy_float64",  # torch.from_numpy / torch.tensor keep float64
    3: "numpy_float32",  # torch.from_numpy / torch.as_tensor share memory
    4: "tensor_requires_grad",  # a trainable float32 leaf: .clone() would be part of its graph
    5: "float_list",  # a flat list of floats
    6: "tensor_transposed",  # a float32 tensor, not contiguous, no grad: detach()/as_tensor alias it
    7: "single_nested",  # [[x]]: shape [1, 1], not a 0-d tensor
}

# trial -> an input of a less common dtype or layout, for probe_leaf_inputs
INPUT_CASES = {
    0: "numpy_reversed",  # negative strides: torch.tensor / from_numpy / as_tensor raise on it
    1: "numpy_big_endian",  # '>f8': torch refuses non-native byte order
    2: "numpy_int32",
    3: "numpy_uint8_fortran",
    4: "numpy_float16",
    5: "tensor_int64_strided",  # an int tensor cannot require grad before the cast
    6: "tensor_float64_with_grad",  # a float64 leaf that requires grad and has a .grad
    7: "numpy_big_endian_int_reversed",  # '>i2', negative strides
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
    7: ((2, 5), 0.7),
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
    if kind == "tensor_requires_grad":  # a trainable leaf with a gradient already
        t = torch.randn(3, 2, generator=g).requires_grad_(True)
        t.grad = torch.randn(3, 2, generator=g)
        return t
    if kind == "float_list":
        return torch.randn(5, generator=g, dtype=torch.float64).tolist()
    if kind == "single_nested":
        return [[int(torch.randint(-9, 10, (), generator=g))]]
    return torch.randn(4, 3, generator=g).t()


def _number(seed, trial):
    """A bare Python number: ints on even trials (torch.Tensor(7) is 7 uninitialised values),
    floats on odd ones; trial 0 gives 0."""
    g = generator(seed, "number", trial)
    if trial == 0:
        return 0
    if trial % 2 == 0:
        return int(torch.randint(-20, 21, (), generator=g))
    return float(torch.randn((), generator=g, dtype=torch.float64)) * 10


def _unusual_input(seed, trial):
    """(the unusual input, the same numbers as a plain input: a native, contiguous float64 NumPy
    array or float32 tensor, kinds the leaf probe covers)."""
    kind = INPUT_CASES[trial]
    g = generator(seed, "unusual", trial)
    floats = torch.randn(4, 3, generator=g, dtype=torch.float64).numpy()
    ints = torch.randint(0, 100, (4, 3), generator=g).numpy()
    if kind == "numpy_reversed":
        x = floats[::-1, ::-1]
    elif kind == "numpy_big_endian":
        x = floats.astype(">f8")
    elif kind == "numpy_int32":
        x = ints.astype(np.int32).reshape(2, 2, 3)
    elif kind == "numpy_uint8_fortran":
        x = np.asfortranarray(ints.astype(np.uint8))
    elif kind == "numpy_float16":
        x = floats.astype(np.float16)[1]
    elif kind == "numpy_big_endian_int_reversed":
        x = (ints - 50).astype(">i2")[:, ::-1]
    elif kind == "tensor_int64_strided":
        x = torch.from_numpy(ints.copy())[::2]
        return x, _CLONE(x).to(torch.float32)
    else:  # tensor_float64_with_grad
        x = torch.from_numpy(floats.copy()).requires_grad_(True)
        x.grad = torch.ones(4, 3, dtype=torch.float64)
        return x, _CLONE(_DETACH(x)).to(torch.float32)
    return x, _NP_ARRAY(x, dtype=_NP_FLOAT64)


def _snapshot(values):
    if isinstance(values, torch.Tensor):
        return {
            "values": _CLONE(_DETACH(values)),
            "requires_grad": bool(_REQUIRES_GRAD(values)),
            "grad": None if _GRAD(values) is None else _CLONE(_GRAD(values)),
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


def probe_leaf_number(mod, seed, trial):
    """make_leaf on a bare Python int or float."""
    return {"result": mod.make_leaf(_number(seed, trial))}


def probe_leaf_inputs(mod, seed, trial):
    """make_leaf on an input of an unusual dtype or layout, and on the same numbers as a plain
    input: judged against each other, so only the handling of the dtype/layout counts here."""
    unusual, plain = _unusual_input(seed, trial)
    return {"out": mod.make_leaf(unusual), "out_plain": mod.make_leaf(plain)}


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
