# expect: full
import torch


def quadratic_grad(x):
    # autograd.grad never writes into .grad; only make a leaf when x does not require grad.
    src = x if x.requires_grad else x.detach().requires_grad_()
    y = (src**2 + 2 * src + 1).sum()
    return torch.autograd.grad(y, src)[0]
