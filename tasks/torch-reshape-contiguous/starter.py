import torch


def to_channels_last_flat(x: torch.Tensor) -> torch.Tensor:
    """[N, C, H, W] -> [N, H*W, C] (see statement.md)."""
    n, c, h, w = x.shape
    return x.permute(0, 2, 3, 1).view(n, h * w, c)


def safe_view(x: torch.Tensor, shape) -> torch.Tensor:
    """x with a new shape: a view when possible, a copy otherwise (see statement.md)."""
    return x.view(shape)
