import numpy as np
import tensorflow as tf

from grader.harness.kit import capture, np_rng, small_seed

_get_seed = capture(tf.compat.v1, "get_seed")  # before the candidate's code runs

# make_constant inputs per trial: a nested list of floats (ints mixed in), a float64 NumPy array, a
# nested list of ints; and a 0-d input: a Python float, a NumPy float64 scalar, a Python int.
# Then NumPy arrays of other dtypes (native byte order, C order) per trial. probe_numpy_layouts:
# arrays whose byte order or memory layout is unusual (values only).
NUMPY_DTYPES = {0: ["int32", "uint8"], 1: ["int64", "float16"], 2: ["float32", "int16"]}
# make_variable shapes per trial (as a list, a tuple, a list).
VAR_SHAPES = {0: [3, 4], 1: (5,), 2: [2, 3, 2]}
# assign_add_scaled: (shape, first alpha, second alpha, delta as a NumPy array instead of a tf.Tensor)
ASSIGN_SETUPS = {0: ([3, 4], 0.5, 2.0, False), 1: ([6], -1.5, 0.25, False), 2: ([2, 2, 3], 3.0, -0.75, True)}


def _kind(value):
    return {"is_tensor": isinstance(value, tf.Tensor), "is_variable": isinstance(value, tf.Variable)}


def _array(value):
    """The value as a NumPy array (a copy), whatever tensor-like type it came as."""
    return np.array(value)


def _constant_input(seed, trial):
    rng = np_rng(seed, "constant")
    if trial == 0:
        rows = [[float(v) for v in row] for row in np.round(rng.standard_normal((2, 3)), 3)]
        rows[1][0] = int(rng.integers(-9, 10))  # a Python int among the floats
        return rows
    if trial == 1:
        return rng.standard_normal((3, 4)) * 10.0  # float64: must become float32
    return [[[int(v) for v in row] for row in block] for block in rng.integers(-9, 10, (2, 2, 3))]


def _scalar_input(seed, trial):
    value = float(np.round(np_rng(seed, "scalar").standard_normal(), 3))
    return [value, np.float64(value), int(value * 100)][trial]


def probe_constant(mod, seed, trial):
    inputs = [_constant_input(seed, trial), _scalar_input(seed, trial)]
    rng = np_rng(seed, "numpy-dtypes")
    inputs += [_typed_array(rng, dt) for dt in NUMPY_DTYPES[trial]]
    results = [mod.make_constant(v) for v in inputs]
    return {
        "kind": [_kind(r) for r in results],
        "dtypes": [str(_array(r).dtype) for r in results],
        "values": [_array(r) for r in results],
    }


def _layout_inputs(seed, trial):
    """Arrays TensorFlow must read by their strides and byte order."""
    base = np_rng(seed, "layout").standard_normal((4, 6)) * 10.0
    if trial == 0:
        return [base.astype(">f8"), base[::-1, ::-2]]  # big-endian; negative strides
    if trial == 1:
        return [
            np.asfortranarray(base),
            np.round(base).astype(">i4")[:, 1::2],
        ]  # Fortran order; big-endian int, strided
    return [base.T[::-1], base.astype(">f4")[::-1]]  # transposed and reversed; big-endian float32, reversed


def _try(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - one unusual array must not hide the others
        return f"raised {type(exc).__name__}"


def _typed_array(rng, dtype):
    dtype = np.dtype(dtype)
    values = rng.standard_normal((3, 2)) * 5.0
    if dtype.kind == "u":
        values = np.abs(values)
    return (np.round(values) if dtype.kind in "iu" else values).astype(dtype)


def probe_numpy_layouts(mod, seed, trial):
    return {"values": [_try(lambda a=a: _array(mod.make_constant(a))) for a in _layout_inputs(seed, trial)]}


def probe_variable(mod, seed, trial):
    shape = VAR_SHAPES[trial]
    s = small_seed(seed, "variable")
    tf.random.set_seed(small_seed(seed, "global-seed"))
    var = mod.make_variable(shape, s)
    tf.random.uniform([3])  # a random op between the two calls
    again = mod.make_variable(shape, s)
    global_seed = _get_seed(None)[0]  # the global seed now (the op-seed part counts random ops)
    trainable = getattr(var, "trainable", None)
    watched = None
    if isinstance(var, tf.Variable):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(var))
        watched = tape.gradient(loss, var) is not None  # trainable variables are watched automatically
    return {
        "kind": {
            "is_variable": isinstance(var, tf.Variable),
            "dtype": str(getattr(getattr(var, "dtype", None), "name", None)),
            "shape": [int(d) for d in var.shape] if hasattr(var, "shape") else None,
        },
        "trainable": {"flag": trainable if isinstance(trainable, bool) else None, "gradient": watched},
        "value": _array(var),
        "first": _array(var),
        "second": _array(again),
        "global_seed": int(global_seed) if global_seed is not None else None,
    }


def probe_assign(mod, seed, trial):
    shape, alpha1, alpha2, as_numpy = ASSIGN_SETUPS[trial]
    rng = np_rng(seed, "assign")
    var = tf.Variable(rng.standard_normal(shape).astype("float32"))
    deltas = [rng.standard_normal(shape).astype("float32") for _ in range(2)]
    if not as_numpy:
        deltas = [tf.constant(d) for d in deltas]
    first = mod.assign_add_scaled(var, deltas[0], alpha1)
    first_is_var = first is var
    second = mod.assign_add_scaled(var, deltas[1], alpha2)
    return {
        "same_object": [first_is_var, second is var],
        "value": _array(var),  # the caller's variable, after both calls
    }


def probe_snapshot(mod, seed, trial):
    shape = ASSIGN_SETUPS[trial][0]
    rng = np_rng(seed, "snapshot")
    var = tf.Variable(rng.standard_normal(shape).astype("float32"))
    snap = mod.snapshot(var)
    var.assign_add(tf.ones(shape))  # a later update of the variable
    var.assign(2.0 * var)
    return {"kind": _kind(snap), "value": _array(snap)}
