import numpy as np

from grader.harness.kit import sub_seed

# Captured when the probes load, before the candidate's module is imported.
_COPY = np.ndarray.copy
_VIEW = np.ndarray.view

# trial -> (n_samples, n_features) of the plain float64 case (two rows in the last trial)
BASIC = {0: (8, 3), 1: (50, 5), 2: (2, 4)}
# trial -> (shape, {column: constant value}); every constant is exactly representable and so is
# its mean, so its std is exactly 0
CONSTANT = {
    0: ((6, 4), {1: 3.0, 3: -7.0}),
    1: ((10, 3), {0: 0.0}),
    2: ((4, 2), {0: 2.5, 1: -1.0}),
}
SINGLE = {0: 3, 1: 1, 2: 5}
INTS = {0: ((7, 3), np.int64, -50, 51), 1: ((12, 2), np.int32, -1000, 1001), 2: ((9, 4), np.uint8, 0, 256)}
FLOAT32 = {0: (6, 3), 1: (40, 4), 2: (3, 2)}


def _rng(seed, *labels):
    return np.random.default_rng(sub_seed(seed, *labels))


def _features(rng, n, d, max_scale):
    """Columns with different offsets and spreads; column 0 always has a small spread (~0.5)."""
    loc = rng.uniform(-5.0, 5.0, size=d)
    scale = rng.uniform(0.5, max_scale, size=d)
    scale[0] = 0.5
    return rng.standard_normal((n, d)) * scale + loc


def probe_basic(mod, seed, trial):
    X = _features(_rng(seed, "basic", trial), *BASIC[trial], max_scale=20.0)
    out = mod.standardize(X)
    return {"out": out, "input_after": _COPY(X)}


def probe_constant(mod, seed, trial):
    shape, constants = CONSTANT[trial]
    X = _features(_rng(seed, "constant", trial), *shape, max_scale=10.0)
    for col, value in constants.items():
        X[:, col] = value
    out = _VIEW(mod.standardize(X), np.ndarray)
    # only the constant columns: the other columns' values are judged by the `values` check
    return {"constant_cols": out[:, sorted(constants)]}


def probe_single(mod, seed, trial):
    X = _rng(seed, "single", trial).uniform(-10.0, 10.0, size=(1, SINGLE[trial]))
    return {"out": mod.standardize(X)}


def probe_ints(mod, seed, trial):
    shape, dtype, low, high = INTS[trial]
    X = _rng(seed, "ints", trial).integers(low, high, size=shape).astype(dtype)
    X[0], X[1] = low, high - 1  # no column is constant
    return {"out": mod.standardize(X)}


def probe_float32(mod, seed, trial):
    X = _features(_rng(seed, "float32", trial), *FLOAT32[trial], max_scale=3.0).astype(np.float32)
    return {"out": mod.standardize(X)}
