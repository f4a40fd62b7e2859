# expect: fail=leaf_requires_grad
import torch


def make_leaf(values):
    if isinstance(values, torch.Tensor):
        return values.detach().clone().float()
    return torch.tensor(values, dtype=torch.float32)


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).requires_grad_()
