import numpy as np

from grader.harness.kit import capture, np_rng

# Captured when the probes load, before the candidate's module is imported.
_COPY, _VIEW, _ASTYPE = capture(np.ndarray, "copy", "view", "astype")
_NDARRAY = np.ndarray
_ASCONTIGUOUS, _ASFORTRAN = capture(np, "ascontiguousarray", "asfortranarray")

# trial -> (n_samples, n_features) of the plain float64 case (one feature in trial 1, two rows in
# trial 2)
BASIC = {0: (8, 3), 1: (50, 1), 2: (2, 4)}
# trial -> (shape, dtype, {column: constant value}). Some constants (0.1, 2.7, -0.3) are not exactly
# representable: their column's mean rounds away from them, so the computed std is ~1e-17 (float64)
# or ~1e-8 (float32), not 0, and only a test that the values are all equal finds them constant.
CONSTANT = {
    0: ((6, 4), "float64", {1: 3.0, 2: 2.7, 3: 0.1}),
    1: ((10, 3), "float64", {0: 0.0, 2: -0.3}),
    2: ((7, 3), "float32", {0: 0.1, 1: 2.7}),
}
# trial -> (n_samples, scales of the varying columns): tiny spreads must not be taken as constant
TINY = {0: (9, [1e-9, 1.0]), 1: (20, [3e-8, 1e-10]), 2: (6, [2.0, 5e-9, 1e-7])}
SINGLE = {0: 3, 1: 1, 2: 5}
# trial -> [(shape, dtype, low, high)]: several integer dtypes per trial, the full range of the
# small ones (where uint8 / int8 arithmetic would wrap around)
INTS = {
    0: [((7, 3), "int64", -50, 51), ((5, 2), "int8", -128, 128)],
    1: [((12, 2), "int32", -1000, 1001), ((6, 3), "uint16", 0, 65536)],
    2: [((9, 4), "uint8", 0, 256), ((4, 2), "int16", -300, 301)],
}
FLOAT32 = {0: (6, 3), 1: (40, 4), 2: (3, 2)}


def _features(rng, n, d, max_scale):
    """Columns with different offsets and spreads; column 0 always has a small spread (~0.5)."""
    loc = rng.uniform(-5.0, 5.0, size=d)
    scale = rng.uniform(0.5, max_scale, size=d)
    scale[0] = 0.5
    return rng.standard_normal((n, d)) * scale + loc


def _native(out):
    """The output in native byte order, so that a big-endian float64 reads as float64."""
    if isinstance(out, _NDARRAY) and out.dtype.byteorder not in "=|":
        return _ASTYPE(out, out.dtype.newbyteorder("="))
    return out


def probe_basic(mod, seed, trial):
    X = _features(np_rng(seed, "basic", trial), *BASIC[trial], max_scale=20.0)
    return {"out": mod.standardize(X)}


def probe_unchanged(mod, seed, trial):
    """The caller's arrays after the call, for several dtypes and layouts (errors ignored: other
    checks judge them)."""
    rng = np_rng(seed, "unchanged", trial)
    base = _features(rng, 7, 3, max_scale=10.0)
    inputs = {
        "float64": _COPY(base),
        "float32": _ASTYPE(base, np.float32),
        "int64": _ASTYPE(rng.integers(-20, 21, size=(6, 3)), np.int64),
        "fortran": _ASFORTRAN(base),
        "reversed_base": _COPY(base),
    }
    for name, X in inputs.items():
        try:
            mod.standardize(X[::-1, ::-1] if name == "reversed_base" else X)
        except Exception:
            pass
    return {name: _COPY(X) for name, X in inputs.items()}


def probe_constant(mod, seed, trial):
    shape, dtype, constants = CONSTANT[trial]
    X = _features(np_rng(seed, "constant", trial), *shape, max_scale=10.0)
    for col, value in constants.items():
        X[:, col] = value
    X = _ASTYPE(X, dtype)
    out = _VIEW(mod.standardize(X), np.ndarray)
    # only the constant columns: the other columns' values are judged by the `values` check
    return {"constant_cols": out[:, sorted(constants)]}


def probe_tiny(mod, seed, trial):
    """The tiny columns' output, and the output for the same matrix with those columns scaled up
    to a spread of ~1 (standardizing does not depend on a column's scale)."""
    n, scales = TINY[trial]
    rng = np_rng(seed, "tiny", trial)
    scales = np.array(scales)
    # offsets of the columns' own order of magnitude, so that float64 resolves the deviations
    X = rng.standard_normal((n, len(scales))) * scales + rng.uniform(-1.0, 1.0, len(scales)) * scales
    tiny = [j for j, s in enumerate(scales) if s < 1e-6]
    scaled = _COPY(X)
    scaled[:, tiny] = X[:, tiny] / scales[tiny]
    return {
        "tiny_cols": _VIEW(mod.standardize(X), np.ndarray)[:, tiny],
        "scaled_up": _VIEW(mod.standardize(scaled), np.ndarray)[:, tiny],
    }


def probe_single(mod, seed, trial):
    X = np_rng(seed, "single", trial).uniform(-10.0, 10.0, size=(1, SINGLE[trial]))
    return {"out": mod.standardize(X)}


def probe_ints(mod, seed, trial):
    rng = np_rng(seed, "ints", trial)
    out, as_float64 = [], []
    for shape, dtype, low, high in INTS[trial]:
        X = _ASTYPE(rng.integers(low, high, size=shape), dtype)
        X[0], X[1] = low, high - 1  # no column is constant
        out.append(mod.standardize(X))
        as_float64.append(mod.standardize(_ASTYPE(X, np.float64)))
    return {"out": out, "as_float64": as_float64}


def probe_float32(mod, seed, trial):
    X = _features(np_rng(seed, "float32", trial), *FLOAT32[trial], max_scale=3.0).astype(np.float32)
    return {"out": mod.standardize(X), "as_float64": mod.standardize(_ASTYPE(X, np.float64))}


def _layouts(rng, trial):
    """(name, array) pairs in unusual layouts, each on its own buffer; each is compared with a
    C-contiguous native copy."""
    a = _features(rng, 9, 4, max_scale=10.0)
    if trial == 0:
        return [("fortran", _ASFORTRAN(a)), ("reversed", _COPY(a)[::-1, ::-1]), ("strided", _COPY(a)[::2, 1::2])]
    if trial == 1:
        return [("big_endian_f8", _ASTYPE(a, ">f8")), ("big_endian_f4", _ASTYPE(a, ">f4"))]
    return [
        ("big_endian_fortran_f8", _ASFORTRAN(_ASTYPE(a, ">f8"))),
        ("reversed_f4", _ASTYPE(a, np.float32)[::-1, ::-2]),
    ]


def probe_layouts(mod, seed, trial):
    pairs = _layouts(np_rng(seed, "layouts", trial), trial)
    native = {}
    for name, X in pairs:
        plain = _ASCONTIGUOUS(X)
        native[name] = _ASTYPE(plain, plain.dtype.newbyteorder("="))
    return {
        "layout": {name: _native(mod.standardize(X)) for name, X in pairs},
        "contiguous": {name: _native(mod.standardize(native[name])) for name, _ in pairs},
    }
