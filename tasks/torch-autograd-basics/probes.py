import torch

from grader.harness.kit import capture, randn

# Captured when the probes load, before the candidate's module is imported.
_REQUIRES_GRAD, _GRAD_FN, _GRAD = capture(torch._C.TensorBase, "requires_grad", "grad_fn", "grad")
_DETACH, _CLONE, _RESHAPE, _NUMEL = capture(torch._C.TensorBase, "detach", "clone", "reshape", "numel")

# trial -> (shape, dtype, x.requires_grad, x already has a .grad, non-contiguous layout)
CASES = {
    0: ((5,), torch.float32, False, False, None),
    1: ((3, 4), torch.float64, True, False, None),
    2: ((2, 3, 4), torch.float32, True, True, None),
    3: ((), torch.float64, False, False, None),
    4: ((3, 4), torch.float32, True, True, "transpose"),
    5: ((6,), torch.float64, True, True, "stride"),
    6: ((2, 5), torch.float32, False, True, None),
}


def _input(seed, trial):
    shape, dtype, requires_grad, has_grad, layout = CASES[trial]
    if layout == "transpose":
        x = randn(seed, shape[1], shape[0], dtype=dtype).t()
    elif layout == "stride":
        x = randn(seed, 2 * shape[0], dtype=dtype)[::2]
    else:
        n = 1
        for s in shape:
            n *= s
        x = randn(seed, n, dtype=dtype).reshape(shape).clone()
    if requires_grad:
        x.requires_grad_(True)
    if has_grad:
        x.grad = randn(seed, *shape, dtype=dtype, label="existing-grad")
    return x


def _is_tensor(t):
    return isinstance(t, torch.Tensor)


def _values(result, shape):
    """The result's values laid out in x's shape when it has one per entry of x, so that a wrong
    shape is judged by the shape check alone."""
    if _is_tensor(result) and _NUMEL(result) == _NUMEL(torch.empty(shape)):
        return _RESHAPE(_CLONE(_DETACH(result)), shape)
    return result


def probe_call(mod, seed, trial):
    x = _input(seed, trial)
    shape = CASES[trial][0]
    result = mod.quadratic_grad(x)
    grad_after = _GRAD(x)
    return {
        "result": result,
        "values": _values(result, shape),
        "result_graph": {
            "requires_grad": bool(_REQUIRES_GRAD(result)) if _is_tensor(result) else None,
            "has_grad_fn": (_GRAD_FN(result) is not None) if _is_tensor(result) else None,
        },
        "x_after": {
            "requires_grad": bool(_REQUIRES_GRAD(x)),
            "grad": None if grad_after is None else _CLONE(_DETACH(grad_after)),
            "values": _CLONE(_DETACH(x)),
        },
    }
