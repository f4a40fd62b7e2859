# expect: fail=constant_columns,tiny_scale
import numpy as np


def standardize(X):
    Xf = X.astype(X.dtype if X.dtype.kind == "f" else np.float64)
    std = Xf.std(axis=0, keepdims=True)
    centered = Xf - Xf.mean(axis=0, keepdims=True)
    zero = np.isclose(std, 0.0)  # default atol=1e-8: a std of 1e-9 counts as 0, a float32 std of 2e-7 does not
    return np.divide(centered, std, out=np.zeros_like(centered), where=~zero)
