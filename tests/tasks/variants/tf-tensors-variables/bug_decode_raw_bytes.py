# expect: fail=numpy_values
import numpy as np
import tensorflow as tf


def make_constant(values):
    if isinstance(values, np.ndarray):
        # ship the array's bytes to TensorFlow and decode them there (C order, but little-endian)
        raw = tf.io.decode_raw(values.tobytes(), tf.as_dtype(values.dtype.type))
        return tf.cast(tf.reshape(raw, values.shape), tf.float32)
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    return tf.Variable(tf.random.stateless_normal(shape, seed=[seed, 0]))


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * tf.convert_to_tensor(delta, dtype=tf.float32))
    return var


def snapshot(var):
    return tf.identity(var)
