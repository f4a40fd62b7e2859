# expect: full
from torch.func import grad


def _f(t):
    return (t**2 + 2 * t + 1).sum()


def quadratic_grad(x):
    return grad(_f)(x.detach())
