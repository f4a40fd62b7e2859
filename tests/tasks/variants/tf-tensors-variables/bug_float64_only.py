# expect: fail=constant_dtype
import numpy as np
import tensorflow as tf


def make_constant(values):
    if isinstance(values, np.ndarray):
        if values.dtype == np.float64:  # the one NumPy dtype that is not float32 already... or so it seems
            values = values.astype(np.float32)
        return tf.constant(values)
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    return tf.Variable(tf.random.stateless_normal(shape, seed=[seed, 0]))


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * tf.convert_to_tensor(delta, dtype=tf.float32))
    return var


def snapshot(var):
    return tf.identity(var)
