import torch

from grader.harness.kit import canonical_init, capture, generator, modules_of, randn

# Bound now: this module is compiled before the candidate's code is imported.
_Tensor = torch.Tensor
_isinstance = isinstance
_contiguous, _clone = capture(torch.Tensor, "contiguous", "clone")
_cat = capture(torch, "cat")

# Batch sizes per trial; the batch of one has its own probe.
BATCH = {0: 3, 1: 8, 2: 5}
STRIDED_BATCH = {0: 3, 1: 8, 2: 2}


def _model(mod, seed, dtype=torch.float32):
    torch.manual_seed(seed)
    model = mod.MLP()
    canonical_init(model, seed)
    if dtype is torch.float64:
        model = model.double()
    return model


def _strided(seed, n, trial, dtype):
    """A [n, 1, 28, 28] batch that is not contiguous in memory, built three different ways."""
    if trial == 0:  # images stored transposed (W, H), then viewed as (H, W)
        return randn(seed, n, 28, 28, dtype=dtype, label="strided").transpose(1, 2).unsqueeze(1)
    if trial == 1:  # a crop of wider images
        return randn(seed, n, 1, 28, 40, dtype=dtype, label="strided")[..., 5:33]
    # rows of different images interleaved (a [H, N, W, C] buffer permuted)
    return randn(seed, 28, n, 28, 1, dtype=dtype, label="strided").permute(1, 3, 0, 2)


def probe_structure(mod, seed, trial):
    model = mod.MLP()
    fc = getattr(model, "fc", None)
    return {
        "fc": [fc.in_features, fc.out_features, fc.bias is not None] if isinstance(fc, torch.nn.Linear) else None,
        "linears": len(modules_of(model, torch.nn.Linear)),
        "n_params": sum(p.numel() for p in model.parameters()),
    }


def probe_forward(mod, seed, trial):
    dtype = torch.float64 if trial == 2 else torch.float32
    model = _model(mod, seed, dtype)
    x = randn(seed, BATCH[trial], 1, 28, 28, dtype=dtype)
    return {"logits": model(x)}


def probe_strided(mod, seed, trial):
    """The logits of a non-contiguous batch and of a contiguous copy of it: the check compares the
    two (the candidate's own), so the layout handling is judged apart from the flattening order."""
    dtype = torch.float64 if trial == 1 else torch.float32
    model = _model(mod, seed, dtype)
    x = _strided(seed, STRIDED_BATCH[trial], trial, dtype)
    copy = _clone(_contiguous(x))
    return {"input_contiguous": x.is_contiguous(), "logits": model(x), "logits_of_copy": model(copy)}


def _first_row(out):
    return out[0:1] if _isinstance(out, _Tensor) and out.dim() >= 1 else out


def probe_single(mod, seed, trial):
    """The logits of a batch of one image, and that image's row of the logits of a batch of three
    that starts with it: the check compares the two (the candidate's own)."""
    dtype = torch.float64 if trial == 2 else torch.float32
    model = _model(mod, seed, dtype)
    x = randn(seed, 1, 1, 28, 28, dtype=dtype, label="single")
    others = randn(seed, 2, 1, 28, 28, dtype=dtype, label="single-others")
    batch = _cat([_clone(x), others])
    return {"logits": model(x), "row_in_batch": _first_row(model(batch))}


def probe_grad(mod, seed, trial):
    model = _model(mod, seed)
    x = randn(seed, 4, 1, 28, 28, label="grad").requires_grad_()
    w = torch.randn(4, 10, generator=generator(seed, "grad-w"))
    (model(x) * w).sum().backward()
    linears = modules_of(model, torch.nn.Linear)
    layer = linears[0] if linears else None
    return {
        "weight_grad": layer.weight.grad if layer is not None else None,
        "bias_grad": layer.bias.grad if layer is not None and layer.bias is not None else None,
        "input_grad": x.grad,
    }
