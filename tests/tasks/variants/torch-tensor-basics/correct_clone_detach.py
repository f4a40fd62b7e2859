# expect: full
import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, np.ndarray):
        values = np.ascontiguousarray(values, dtype=np.float32)  # torch rejects reversed / big-endian arrays
    t = torch.as_tensor(values).detach().clone().to(torch.float32)
    t.requires_grad_(True)
    return t


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    w = torch.nn.init.normal_(torch.empty(*shape), mean=0.0, std=scale, generator=g)
    return w.requires_grad_()
