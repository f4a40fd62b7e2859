# expect: fail=param_global_rng
import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, np.ndarray):
        values = np.array(values, dtype=np.float32)  # a native, C-contiguous copy torch accepts
    if isinstance(values, torch.Tensor):
        return values.detach().clone().float().requires_grad_()
    return torch.tensor(values, dtype=torch.float32, requires_grad=True)


def random_param(shape, seed, scale=1.0):
    torch.manual_seed(seed)  # reseeds the whole program's RNG
    return (torch.randn(shape) * scale).requires_grad_()
