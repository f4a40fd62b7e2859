# expect: full
import numpy as np
import torch
import torch.nn as nn


def make_leaf(values):
    if isinstance(values, np.ndarray):
        values = values.astype(np.float64)  # always a copy, native byte order, positive strides
    source = torch.as_tensor(values)
    out = torch.empty(source.shape, dtype=torch.float32)
    with torch.no_grad():
        out.copy_(source)
    out.requires_grad = True
    return out


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return nn.Parameter(torch.randn(shape, generator=g).mul_(scale))
