# expect: fail=constant_columns
import numpy as np


def standardize(X):
    X = np.asarray(X)
    if X.dtype.kind in "iub":
        X = X.astype(np.float64)
    centered = X - X.mean(axis=0, keepdims=True)
    std = X.std(axis=0, keepdims=True)
    # a column of 0.1s has std ~1e-17, not 0: it gives +-1 instead of 0
    return np.divide(centered, std, out=np.zeros_like(centered), where=std != 0)
