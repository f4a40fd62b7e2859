import numpy as np


def standardize(X: np.ndarray) -> np.ndarray:
    """Zero mean and unit variance per feature (column); see statement.md."""
    # From the notes; fix it so that it meets the contract.
    X -= np.mean(X, axis=0)  # centre
    X /= np.std(X, axis=0)  # scale
    return X
