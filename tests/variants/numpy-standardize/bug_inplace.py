# expect: fail=input_unchanged,integer_input
import numpy as np


def standardize(X):
    std = X.std(axis=0)
    X -= X.mean(axis=0)  # modifies the caller's array (and fails on integer arrays)
    X /= np.where(std == 0, 1, std)
    return X
