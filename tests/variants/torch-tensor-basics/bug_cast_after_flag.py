# expect: fail=leaf_is_leaf
import torch


def make_leaf(values):
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)  # full precision first
    return t.float()  # the cast is recorded by autograd: the result is not a leaf


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).requires_grad_()
