# expect: fail=values,constant_columns,single_row,tiny_scale
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if X.dtype.kind != "f" else X
    mean = X.mean(axis=1, keepdims=True)  # per sample instead of per feature
    std = X.std(axis=1, keepdims=True)
    return (X - mean) / np.where(std == 0, 1, std)
