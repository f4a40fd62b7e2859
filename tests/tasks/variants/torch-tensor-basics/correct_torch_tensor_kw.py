# expect: full
import numpy as np
import torch


def make_leaf(values):
    # torch.tensor always copies; on a tensor it warns but still makes a detached copy.
    if isinstance(values, np.ndarray):
        values = values.copy(order="C").astype("=f4")  # drop negative strides and foreign byte order
    return torch.tensor(values, dtype=torch.float32, requires_grad=True)


def random_param(shape, seed, scale=1.0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        values = torch.randn(shape) * scale
    return values.requires_grad_(True)
