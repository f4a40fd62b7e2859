# expect: fail=input_unchanged,integer_input
import numpy as np


def standardize(X):
    constant = np.ptp(X, axis=0) == 0
    std = X.std(axis=0)
    X -= X.mean(axis=0)  # modifies the caller's array (and fails on integer arrays)
    X /= np.where(constant, 1, std)
    X[:, constant] = 0
    return X
