# expect: fail=integer_input
import numpy as np


def standardize(X):
    out = np.zeros_like(X)  # inherits an integer dtype: values are truncated
    keep = np.ptp(X, axis=0) > 0
    cols = X[:, keep].astype(np.float64) if X.dtype.kind != "f" else X[:, keep]
    out[:, keep] = (cols - cols.mean(axis=0)) / cols.std(axis=0)
    return out
