# expect: fail=variable_values,variable_reproducible
import tensorflow as tf


def make_constant(values):
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    return tf.Variable(tf.random.normal(shape, seed=seed))  # op seed: new numbers on every call


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * delta)
    return var


def snapshot(var):
    return tf.identity(var)
