# expect: fail=constant_columns,single_row
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if X.dtype.kind != "f" else X
    return (X - X.mean(axis=0)) / X.std(axis=0)  # 0 / 0 = NaN on constant columns
