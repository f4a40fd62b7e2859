# expect: fail=result_detached
def quadratic_grad(x):
    # analytic, but built from x itself: attached to x's graph when x requires grad
    return 2 * x + 2
