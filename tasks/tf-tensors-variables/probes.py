import numpy as np
import tensorflow as tf

from grader.harness.kit import sub_seed

# make_constant inputs per trial: a nested list of floats, a float64 NumPy array, a nested list of ints;\n# and a 0-d input: a Python float, a NumPy float64 scalar, a Python int.
# make_variable shapes per trial (as a list, a tuple, a list).
VAR_SHAPES = {0: [3, 4], 1: (5,), 2: [2, 3, 2]}
# assign_add_scaled: (shape, first alpha, second alpha, delta as a NumPy array instead of a tf.Tensor)
ASSIGN_SETUPS = {0: ([3, 4], 0.5, 2.0, False), 1: ([6], -1.5, 0.25, False), 2: ([2, 2, 3], 3.0, -0.75, True)}


def _rng(seed, *label):
    return np.random.default_rng(sub_seed(seed, *label))


def _small_seed(seed, *label):
    return sub_seed(seed, *label) % 100_000


def _kind(value):
    return {"is_tensor": isinstance(value, tf.Tensor), "is_variable": isinstance(value, tf.Variable)}


def _array(value):
    """The value as a NumPy array (a copy), whatever tensor-like type it came as."""
    return np.array(value)


def _constant_input(seed, trial):
    rng = _rng(seed, "constant")
    if trial == 0:
        return [[float(v) for v in row] for row in np.round(rng.standard_normal((2, 3)), 3)]
    if trial == 1:
        return rng.standard_normal((3, 4)) * 10.0  # float64: must become float32
    return [[[int(v) for v in row] for row in block] for block in rng.integers(-9, 10, (2, 2, 3))]


def _scalar_input(seed, trial):
    value = float(np.round(_rng(seed, "scalar").standard_normal(), 3))
    return [value, np.float64(value), int(value * 100)][trial]


def probe_constant(mod, seed, trial):
    result = mod.make_constant(_constant_input(seed, trial))
    scalar = mod.make_constant(_scalar_input(seed, trial))
    return {
        "kind": [_kind(result), _kind(scalar)],
        "dtypes": [str(_array(result).dtype), str(_array(scalar).dtype)],
        "values": {"tensor": _array(result), "scalar": _array(scalar)},
    }


def probe_variable(mod, seed, trial):
    shape = VAR_SHAPES[trial]
    s = _small_seed(seed, "variable")
    var = mod.make_variable(shape, s)
    again = mod.make_variable(shape, s)
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
    }


def probe_assign(mod, seed, trial):
    shape, alpha1, alpha2, as_numpy = ASSIGN_SETUPS[trial]
    rng = _rng(seed, "assign")
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
    rng = _rng(seed, "snapshot")
    var = tf.Variable(rng.standard_normal(shape).astype("float32"))
    snap = mod.snapshot(var)
    var.assign_add(tf.ones(shape))  # a later update of the variable
    var.assign(2.0 * var)
    return {"kind": _kind(snap), "value": _array(snap)}
