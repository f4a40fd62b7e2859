import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, torch.Tensor):
        # Copy out of the caller's tensor (and out of its autograd graph, if it has one).
        data = values.detach().to(torch.float32, copy=True)
    elif isinstance(values, np.ndarray):
        # torch refuses arrays with negative strides or non-native byte order; np.array(...,
        # dtype=float32) always copies into a native, C-contiguous array, which from_numpy wraps.
        data = torch.from_numpy(np.array(values, dtype=np.float32))
    else:
        # torch.tensor always copies; dtype= overrides the int64/float64 it would infer.
        data = torch.tensor(values, dtype=torch.float32)
    return data.requires_grad_(True)


def random_param(shape, seed, scale=1.0):
    # A private generator: reproducible, and the global RNG is neither reseeded nor advanced.
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        data = torch.randn(tuple(shape), generator=g, dtype=torch.float32) * scale
    return data.requires_grad_(True)
