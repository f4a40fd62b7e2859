# expect: fail=leaf_number
import numbers

import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, numbers.Number):
        values = [values]  # "a tensor needs at least one dimension": shape [1], not 0-d
    if isinstance(values, torch.Tensor):
        return values.detach().to(torch.float32, copy=True).requires_grad_(True)
    return torch.tensor(np.array(values, dtype=np.float32), requires_grad=True)


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        return (torch.randn(shape, generator=g) * scale).requires_grad_(True)
