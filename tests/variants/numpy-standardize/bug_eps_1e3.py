# expect: fail=values,integer_input,float32_input
import numpy as np


def standardize(X):
    X = X.astype(np.float64) if X.dtype.kind != "f" else X
    return (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-3)  # epsilon large enough to bias every value
