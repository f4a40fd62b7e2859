# expect: fail=input_unchanged
import numpy as np


def standardize(X):
    out_dtype = X.dtype if X.dtype.kind == "f" else np.float64
    X = np.asarray(X, dtype=out_dtype)  # a no-op for float input: still the caller's array
    constant = (X == X[0]).all(axis=0)
    std = X.std(axis=0)
    X -= X.mean(axis=0)
    X /= np.where(constant, 1, std)
    X[:, constant] = 0
    return X
