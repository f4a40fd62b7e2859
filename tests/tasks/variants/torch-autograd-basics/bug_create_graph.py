# expect: fail=result_detached
import torch


def quadratic_grad(x):
    leaf = x.detach().clone().requires_grad_(True)
    y = (leaf**2 + 2 * leaf + 1).sum()
    # create_graph=True keeps the gradient attached to a graph
    return torch.autograd.grad(y, leaf, create_graph=True)[0]
