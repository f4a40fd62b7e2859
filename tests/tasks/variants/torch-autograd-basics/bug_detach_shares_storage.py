# expect: fail=caller_values_untouched
def quadratic_grad(x):
    g = x.detach()  # shares storage with x: not a copy
    g.mul_(2).add_(2)  # d/dx (x^2 + 2x + 1) = 2x + 2, in place
    return g
