# expect: fail=integer_input
import numpy as np


def standardize(X):
    X = X - X.min(axis=0)  # shift to start at 0 first: wraps around in int8
    X = X.astype(np.float64) if X.dtype.kind != "f" else X
    constant = (X == X[:1]).all(axis=0)
    std = np.where(constant, 1.0, X.std(axis=0))
    return np.where(constant, 0, (X - X.mean(axis=0)) / std).astype(X.dtype)
