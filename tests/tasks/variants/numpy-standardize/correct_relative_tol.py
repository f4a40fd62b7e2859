# expect: full
import numpy as np


def standardize(X):
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
    x = np.array(X, dtype=np.float64)  # a float64 copy for the statistics
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    # constant up to rounding: a std many orders of magnitude below the column's magnitude
    constant = std <= 1e-12 * np.abs(x).max(axis=0)
    z = (x - mean) / np.where(constant, 1.0, std)
    z[:, constant] = 0.0
    return z.astype(dtype)
