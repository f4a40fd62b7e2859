# expect: fail=numpy_values
import numpy as np
import tensorflow as tf


def make_constant(values):
    if isinstance(values, np.ndarray):
        flat = np.frombuffer(values, dtype=values.dtype)  # zero-copy view of the buffer: C-contiguous only
        return tf.constant(flat.reshape(values.shape), dtype=tf.float32)
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    return tf.Variable(tf.random.stateless_normal(shape, seed=[seed, 0]))


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * tf.convert_to_tensor(delta, dtype=tf.float32))
    return var


def snapshot(var):
    return tf.identity(var)
