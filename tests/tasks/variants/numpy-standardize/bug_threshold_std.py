# expect: fail=tiny_scale
import numpy as np


def standardize(X):
    x = X.astype(np.float64)
    std = x.std(axis=0)
    constant = std < 1e-8  # catches the ~1e-17 stds, but also real features of tiny scale
    z = np.where(constant, 0.0, (x - x.mean(axis=0)) / np.where(constant, 1.0, std))
    return z.astype(X.dtype if X.dtype.kind == "f" else np.float64)
