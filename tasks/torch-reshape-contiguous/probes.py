import torch

from grader.harness.kit import capture, generator

# Captured when the probes load, before the candidate's module is imported.
_IS_CONTIGUOUS, _DETACH, _CLONE, _ADD_ = capture(torch._C.TensorBase, "is_contiguous", "detach", "clone", "add_")
_CONTIGUOUS_FORMAT = torch.contiguous_format
_STR = str

DTYPES = {0: torch.float32, 1: torch.float64, 2: torch.int64, 3: torch.float32}

# trial -> [N, C, H, W] of a contiguous batch (no size-1 dimension but N)
FLAT_SHAPES = {0: (1, 3, 4, 5), 1: (4, 2, 3, 6), 2: (2, 5, 2, 3), 3: (3, 4, 5, 2)}

# trial -> (layout, [N, C, H, W]): non-contiguous batches; the first three make .view(N, C, H*W)
# and .permute(0, 2, 3, 1).view(N, H*W, C) raise, the last is channels_last storage.
STRIDED = {
    0: ("crop", (2, 3, 4, 5)),
    1: ("hw_transposed", (3, 4, 3, 2)),
    2: ("row_step", (1, 3, 4, 4)),
    3: ("channels_last", (2, 3, 2, 5)),
}

# trial -> (base shape, how x is taken from the base, target shape) for safe_view.
VIEW_CONTIGUOUS = {
    0: ((2, 3, 4), "same", (6, 4)),
    1: ((4, 6), "same", (-1,)),
    2: ((3, 4), "same", (2, -1, 3)),
    3: ((1, 5), "same", (5, 1)),
}
# non-contiguous x whose .view(target) works (only splits dimensions or merges compatible ones)
VIEW_STRIDED_OK = {
    0: ((6, 4), "t", (4, 2, 3)),
    1: ((3, 10), "step", (15,)),
    2: ((5, 4), "t", (2, 2, 5)),
    3: ((2, 3, 4), "permute", (2, 2, 2, 3)),
}
# non-contiguous x whose .view(target) raises: a copy is needed
VIEW_NEEDS_COPY = {
    0: ((6, 4), "t", (-1,)),
    1: ((3, 11), "step", (2, 9)),
    2: ((5, 4), "t", (2, 10)),
    3: ((2, 3, 4), "permute", (8, 3)),
}


def _rand(seed, label, shape, dtype):
    g = generator(seed, label)
    if dtype.is_floating_point:
        return torch.randn(shape, generator=g, dtype=dtype)
    return torch.randint(-50, 50, shape, generator=g, dtype=dtype)


def _strided_batch(seed, trial):
    layout, (n, c, h, w) = STRIDED[trial]
    dtype = DTYPES[trial]
    if layout == "crop":  # a crop of wider images
        return _rand(seed, "strided", (n, c, h, w + 3), dtype)[..., 1 : w + 1]
    if layout == "hw_transposed":  # images stored as (W, H)
        return _rand(seed, "strided", (n, c, w, h), dtype).transpose(2, 3)
    if layout == "row_step":  # every other row
        return _rand(seed, "strided", (n, c, 2 * h, w), dtype)[:, :, ::2]
    return _rand(seed, "strided", (n, h, w, c), dtype).permute(0, 3, 1, 2)


def _view_input(seed, trial, base_shape, how):
    base = _rand(seed, "view", base_shape, DTYPES[trial])
    if how == "t":
        return base.t()
    if how == "step":
        return base[:, ::2]
    if how == "permute":
        return base.permute(2, 0, 1)
    return base


def probe_flat(mod, seed, trial):
    x = _rand(seed, "flat", FLAT_SHAPES[trial], DTYPES[trial])
    out = mod.to_channels_last_flat(x)
    return {"out": out, "contiguous": bool(_IS_CONTIGUOUS(out))}


def probe_flat_strided(mod, seed, trial):
    """The candidate's result on a non-contiguous batch and on a contiguous copy of the same
    batch: a layout-independent function gives the same values for both (judged against each
    other, so a wrong element order is not counted here again)."""
    x = _strided_batch(seed, trial)
    same = _CLONE(x, memory_format=_CONTIGUOUS_FORMAT)
    return {
        "input_contiguous": bool(_IS_CONTIGUOUS(x)),
        "out": mod.to_channels_last_flat(x),
        "out_from_contiguous_copy": mod.to_channels_last_flat(same),
    }


# dtypes beyond the value trials' float32 / float64 / int64
EXTRA_DTYPES = (
    torch.float16,
    torch.bfloat16,
    torch.int32,
    torch.int16,
    torch.uint8,
    torch.bool,
    torch.float64,
    torch.int64,
)


def probe_flat_dtypes(mod, seed, trial):
    """Only the dtype of each result (values are judged by flat_values)."""
    names = []
    for i, dtype in enumerate(EXTRA_DTYPES):
        g = generator(seed, "dtypes", i)
        if dtype == torch.bool:
            x = torch.randint(0, 2, (2, 3, 2, 4), generator=g).to(dtype)
        elif dtype.is_floating_point:
            x = torch.randn((2, 3, 2, 4), generator=g).to(dtype)
        else:
            x = torch.randint(0, 100, (2, 3, 2, 4), generator=g).to(dtype)
        names.append(_STR(mod.to_channels_last_flat(x).dtype))
    return {"dtypes": names}


def _safe_view(mod, seed, trial, cases):
    base_shape, how, target = cases[trial]
    x = _view_input(seed, trial, base_shape, how)
    out = mod.safe_view(x, target)
    before = _CLONE(_DETACH(out))
    with torch.no_grad():
        _ADD_(x, 1000)  # does the result see writes to x? only if it shares x's storage
    return {"out": before, "out_after_write": _CLONE(_DETACH(out))}


def probe_view(mod, seed, trial):
    return _safe_view(mod, seed, trial, VIEW_CONTIGUOUS)


def probe_view_strided(mod, seed, trial):
    return _safe_view(mod, seed, trial, VIEW_STRIDED_OK)


def probe_view_copy(mod, seed, trial):
    return _safe_view(mod, seed, trial, VIEW_NEEDS_COPY)
