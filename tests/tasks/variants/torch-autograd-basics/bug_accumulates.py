# expect: fail=grad_values,caller_grad_untouched
def quadratic_grad(x):
    was_requires_grad = x.requires_grad
    x.requires_grad_(True)
    (x**2 + 2 * x + 1).sum().backward()  # adds to an existing x.grad
    g = x.grad.detach().clone()
    x.grad = None
    x.requires_grad_(was_requires_grad)
    return g
