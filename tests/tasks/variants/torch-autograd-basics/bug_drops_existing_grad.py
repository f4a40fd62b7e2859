# expect: fail=caller_grad_untouched


def quadratic_grad(x):
    was_requires_grad = x.requires_grad
    x.grad = None  # start from a clean slate: but the caller's gradient is lost
    x.requires_grad_(True)
    (x**2 + 2 * x + 1).sum().backward()
    g = x.grad.detach().clone()
    x.grad = None
    x.requires_grad_(was_requires_grad)
    return g
