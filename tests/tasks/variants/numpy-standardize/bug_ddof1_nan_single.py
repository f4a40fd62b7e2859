# expect: fail=values,single_row
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if X.dtype.kind != "f" else X
    constant = np.ptp(X, axis=0) == 0
    std = X.std(axis=0, ddof=1)  # sample std: NaN for a single row (n - 1 = 0)
    return (X - X.mean(axis=0)) / np.where(constant & (std == 0), 1, std) * ~constant
