# expect: full
import torch


def quadratic_grad(x: torch.Tensor) -> torch.Tensor:
    leaf = x.detach().clone()
    leaf.requires_grad = True
    loss = (leaf**2 + 2 * leaf + 1).sum()
    loss.backward()
    return leaf.grad
