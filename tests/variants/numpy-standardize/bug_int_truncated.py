# expect: fail=integer_input
import numpy as np


def standardize(X):
    out = np.zeros_like(X)  # inherits an integer dtype: values are truncated
    std = X.std(axis=0)
    keep = std > 0
    out[:, keep] = (X[:, keep] - X[:, keep].mean(axis=0)) / std[keep]
    return out
