# expect: fail=constant_kind
import tensorflow as tf


def make_constant(values):
    return tf.Variable(values, dtype=tf.float32)  # mutable, not a constant


def make_variable(shape, seed):
    return tf.Variable(tf.random.stateless_normal(shape, seed=[seed, 0]))


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * delta)
    return var


def snapshot(var):
    return tf.identity(var)
