# expect: fail=float32_input
import numpy as np


def standardize(X):
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    return np.where(std > 0, (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0), 0.0)
