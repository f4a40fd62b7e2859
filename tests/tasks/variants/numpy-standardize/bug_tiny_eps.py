# expect: fail=tiny_scale
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if not np.issubdtype(X.dtype, np.floating) else X.copy()
    constant = (X == X[:1]).all(axis=0)
    X -= X.mean(axis=0)  # in place on our own copy
    X[:, constant] = 0
    X /= X.std(axis=0) + 1e-12  # "negligible" epsilon, but not next to a std of 1e-9
    return X
