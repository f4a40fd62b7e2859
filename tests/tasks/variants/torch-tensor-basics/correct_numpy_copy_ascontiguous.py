# expect: full
import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, torch.Tensor):
        out = values.detach().clone().float()
    elif isinstance(values, np.ndarray):
        out = torch.from_numpy(np.ascontiguousarray(values.astype(np.float32)))
    else:
        out = torch.tensor(values).float()
    return out.requires_grad_()


def random_param(shape, seed, scale=1.0):
    gen = torch.Generator()
    gen.manual_seed(seed)
    values = scale * torch.randn(shape, generator=gen)
    return torch.nn.Parameter(values.detach())
