# expect: full
import tensorflow as tf


def make_constant(values):
    return tf.constant(values, tf.float32)


def make_variable(shape, seed):
    return tf.Variable(tf.random.stateless_normal(list(shape), [seed, 0]))


@tf.function
def _scaled_update(var, delta, alpha):
    var.assign_add(alpha * delta)


def assign_add_scaled(var, delta, alpha):
    _scaled_update(var, tf.convert_to_tensor(delta, dtype=tf.float32), tf.constant(alpha, tf.float32))
    return var


def snapshot(var):
    return tf.identity(var) + 0.0
