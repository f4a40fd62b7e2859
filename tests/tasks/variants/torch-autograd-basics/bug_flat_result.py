# expect: fail=grad_shape
import torch


def quadratic_grad(x):
    # a flat copy of x: the gradient comes back 1-D, whatever x's shape
    leaf = x.detach().reshape(-1).clone().requires_grad_(True)
    y = (leaf**2 + 2 * leaf + 1).sum()
    return torch.autograd.grad(y, leaf)[0]
