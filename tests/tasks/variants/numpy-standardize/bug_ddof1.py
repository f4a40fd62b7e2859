# expect: fail=values
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if X.dtype.kind != "f" else X
    constant = (X == X[0]).all(axis=0)
    mean = X.mean(axis=0)
    std = X.std(axis=0, ddof=1) if X.shape[0] > 1 else np.ones(X.shape[1])  # sample std: n - 1
    return np.where(constant, 0.0, (X - mean) / np.where(constant, 1, std))
