# expect: fail=variable_trainable
import tensorflow as tf


def make_constant(values):
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    return tf.Variable(tf.random.stateless_normal(shape, seed=[seed, 0]), trainable=False)


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * delta)
    return var


def snapshot(var):
    return tf.identity(var)
