# expect: fail=caller_requires_grad
import torch


def quadratic_grad(x):
    x.requires_grad_(True)  # switched on for the caller, never switched back
    y = (x**2 + 2 * x + 1).sum()
    return torch.autograd.grad(y, x)[0]
