# expect: fail=variable_values,global_seed_untouched
import tensorflow as tf


def make_constant(values):
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    tf.random.set_seed(seed)  # reproducible, but not the stateless values asked for
    return tf.Variable(tf.random.normal(shape))


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * delta)
    return var


def snapshot(var):
    return tf.identity(var)
