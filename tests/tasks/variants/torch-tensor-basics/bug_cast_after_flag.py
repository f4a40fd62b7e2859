# expect: fail=leaf_is_leaf
import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, np.ndarray):
        values = np.array(values, dtype=np.float64)  # a native, C-contiguous copy torch accepts
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)  # full precision first
    return t.float()  # the cast is recorded by autograd: the result is not a leaf


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).requires_grad_()
