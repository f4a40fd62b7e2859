# expect: full
import numpy as np


def standardize(X: np.ndarray) -> np.ndarray:
    data = X.astype(np.result_type(X.dtype, np.float16) if X.dtype.kind == "f" else np.float64)
    mean = np.mean(data, axis=0)
    std = np.std(data, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (data - mean) / std
    z = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
    z[:, data.min(axis=0) == data.max(axis=0)] = 0
    return z
