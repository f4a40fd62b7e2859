# expect: fail=layouts
import numpy as np


def standardize(X):
    # '>f4' == np.float32 is False: a big-endian float32 comes back as float64
    out_dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    Xf = X.astype(np.float64)
    constant = (Xf == Xf[0]).all(axis=0)
    z = (Xf - Xf.mean(axis=0)) / np.where(constant, 1.0, Xf.std(axis=0))
    z[:, constant] = 0.0
    return z.astype(out_dtype)
