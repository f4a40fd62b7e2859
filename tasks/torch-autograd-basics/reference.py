import torch


def quadratic_grad(x: torch.Tensor) -> torch.Tensor:
    # Work on a private leaf: the caller's tensor, its flag and its .grad stay untouched.
    leaf = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        y = (leaf**2 + 2 * leaf + 1).sum()
        (grad,) = torch.autograd.grad(y, leaf)
    return grad
