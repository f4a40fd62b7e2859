# expect: full
import numpy as np


def standardize(X):
    out_dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
    out = np.zeros(X.shape, dtype=out_dtype)
    for j in range(X.shape[1]):
        col = X[:, j].astype(np.float64)  # statistics in float64, cast back on assignment
        if np.all(col == col[0]):
            continue  # constant: stays 0
        mu = col.sum() / len(col)
        sigma = np.sqrt(((col - mu) ** 2).mean())
        out[:, j] = (col - mu) / sigma
    return out
