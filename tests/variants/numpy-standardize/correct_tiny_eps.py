# expect: full
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if not np.issubdtype(X.dtype, np.floating) else X.copy()
    X -= X.mean(axis=0)  # in place on our own copy
    X /= X.std(axis=0) + 1e-12  # a negligible epsilon: constant columns give 0 / 1e-12 = 0
    return X
