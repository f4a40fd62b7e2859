# expect: fail=leaf_any_input
import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, np.ndarray):
        values = np.array(values, dtype=np.float32)
    if isinstance(values, torch.Tensor):
        t = values.detach().clone()
        t.requires_grad_(True)  # raises for an integer tensor: only float tensors can require grad
        return t if t.dtype == torch.float32 else t.detach().float().requires_grad_(True)
    return torch.tensor(values, dtype=torch.float32, requires_grad=True)


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=g) * scale).detach().requires_grad_(True)
