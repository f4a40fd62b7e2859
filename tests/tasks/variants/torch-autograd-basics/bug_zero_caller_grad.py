# expect: fail=caller_grad_untouched


def quadratic_grad(x):
    had_grad, was_requires_grad = x.grad is not None, x.requires_grad
    if had_grad:
        x.grad.zero_()  # "clean slate", but it is the caller's gradient
    x.requires_grad_(True)
    (x**2 + 2 * x + 1).sum().backward()
    g = x.grad.clone()
    if not had_grad:
        x.grad = None
    x.requires_grad_(was_requires_grad)
    return g
