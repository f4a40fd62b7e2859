import torch


def to_channels_last_flat(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    # permute only relabels strides; reshape copies if it must; contiguous() makes the layout
    # match the new shape (reshape may return a non-contiguous view here).
    return x.permute(0, 2, 3, 1).reshape(n, h * w, c).contiguous()


def safe_view(x: torch.Tensor, shape) -> torch.Tensor:
    # reshape returns x.view(shape) whenever the strides allow it, and a contiguous copy otherwise.
    return x.reshape(shape)
