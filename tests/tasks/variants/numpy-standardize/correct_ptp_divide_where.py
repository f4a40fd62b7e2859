# expect: full
import numpy as np


def standardize(X):
    X = np.asarray(X)
    if X.dtype.kind in "iub":
        X = X.astype(np.float64)
    centered = X - X.mean(axis=0, keepdims=True)
    std = X.std(axis=0, keepdims=True)
    varying = np.ptp(X, axis=0, keepdims=True) > 0
    return np.divide(centered, std, out=np.zeros_like(centered), where=varying)
