# expect: fail=float32_dtype
import numpy as np


def standardize(X):
    X = np.asarray(X, dtype=np.float64)  # float32 input comes back as float64
    constant = np.ptp(X, axis=0) == 0
    std = np.where(constant, 1.0, X.std(axis=0))
    return np.where(constant, 0.0, (X - X.mean(axis=0)) / std)
