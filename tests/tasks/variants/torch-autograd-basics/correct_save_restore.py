# expect: full
import torch


def quadratic_grad(x):
    # Use the caller's leaf itself, but put its flag and its .grad back afterwards.
    was_requires_grad, saved_grad = x.requires_grad, x.grad
    x.grad = None
    x.requires_grad_(True)
    try:
        with torch.enable_grad():
            (x**2 + 2 * x + 1).sum().backward()
        return x.grad
    finally:
        x.grad = saved_grad
        x.requires_grad_(was_requires_grad)
