# expect: fail=grad_values
import torch


def quadratic_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    y = (leaf**2 + 2 * leaf + 1).mean()  # mean, not sum
    return torch.autograd.grad(y, leaf)[0]
