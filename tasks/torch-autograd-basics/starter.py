import torch


def quadratic_grad(x: torch.Tensor) -> torch.Tensor:
    """Gradient of (x**2 + 2*x + 1).sum() with respect to x, computed with autograd.

    This is the snippet from the notes, wrapped in a function. It prints the right numbers for
    the example, but it does not meet the contract in statement.md yet: fix it.
    """
    x.requires_grad_(True)
    y = x**2 + 2 * x + 1
    loss = y.sum()
    loss.backward()
    return x.grad
