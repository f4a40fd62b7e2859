# expect: full
import torch


def to_channels_last_flat(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    out = x.permute(0, 2, 3, 1).reshape(n, h * w, c)
    if not out.is_contiguous():
        out = out.contiguous()
    return out


def safe_view(x: torch.Tensor, shape: tuple) -> torch.Tensor:
    try:
        return x.view(shape)
    except RuntimeError:
        return x.reshape(-1).view(shape)  # reshape(-1) copies here, in row-major order
