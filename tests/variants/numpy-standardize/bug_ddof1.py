# expect: fail=values,single_row,integer_input,float32_input
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if X.dtype.kind != "f" else X
    mean = X.mean(axis=0)
    std = X.std(axis=0, ddof=1)  # sample std: n - 1 in the denominator
    return (X - mean) / np.where(std == 0, 1, std)
