# expect: fail=grad_dtype
import torch


def quadratic_grad(x):
    leaf = x.detach().float().requires_grad_(True)
    y = (leaf**2 + 2 * leaf + 1).sum()
    return torch.autograd.grad(y, leaf)[0]
