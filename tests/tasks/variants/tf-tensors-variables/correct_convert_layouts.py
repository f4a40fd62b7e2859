# expect: full
import numpy as np
import tensorflow as tf


def make_constant(values):
    if isinstance(values, np.ndarray):
        values = np.ascontiguousarray(values, dtype=np.float32)  # native byte order, C order, float32
    return tf.convert_to_tensor(values, dtype=tf.float32)


def make_variable(shape, seed):
    init = tf.random.stateless_normal(list(shape), seed=tf.constant([seed, 0]), mean=0.0, stddev=1.0)
    return tf.Variable(init, trainable=True, dtype=tf.float32)


def assign_add_scaled(var, delta, alpha):
    var.assign(var + alpha * tf.cast(delta, var.dtype))
    return var


def snapshot(var):
    return var.read_value()
