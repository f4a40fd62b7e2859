# expect: fail=values,tiny_scale
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if X.dtype.kind != "f" else X
    centered = X - X.mean(axis=0)
    centered[:, np.ptp(X, axis=0) == 0] = 0
    return centered / (X.std(axis=0) + 1e-3)  # epsilon large enough to bias every value
