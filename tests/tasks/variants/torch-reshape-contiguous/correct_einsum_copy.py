# expect: full
import torch


def to_channels_last_flat(x):
    n, c, h, w = x.shape
    out = torch.empty((n, h, w, c), dtype=x.dtype, device=x.device)
    out.copy_(torch.einsum("nchw->nhwc", x))
    return out.view(n, h * w, c)


def safe_view(x, shape):
    shape = tuple(shape)
    try:
        return x.view(shape)
    except RuntimeError:
        flat = torch.empty(x.numel(), dtype=x.dtype, device=x.device)
        flat.copy_(x.reshape(-1))
        return flat.view(shape)
