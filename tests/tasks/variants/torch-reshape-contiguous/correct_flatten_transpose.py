# expect: full
import torch


def to_channels_last_flat(x):
    return torch.flatten(x, start_dim=2).transpose(1, 2).contiguous()


def safe_view(x, shape):
    try:
        return x.view(shape)
    except RuntimeError:
        return x.contiguous().view(shape)
