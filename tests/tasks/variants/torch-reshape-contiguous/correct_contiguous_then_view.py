# expect: full
import torch


def to_channels_last_flat(x):
    n, c, h, w = x.shape
    return x.permute(0, 2, 3, 1).contiguous().view(n, -1, c)


def safe_view(x, shape):
    try:
        return x.view(*shape)
    except RuntimeError:
        return x.clone(memory_format=torch.contiguous_format).view(*shape)
