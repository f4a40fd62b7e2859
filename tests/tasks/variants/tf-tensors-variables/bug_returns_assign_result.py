# expect: fail=assign_same_object
import tensorflow as tf


def make_constant(values):
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    return tf.Variable(tf.random.stateless_normal(shape, seed=[seed, 0]))


def assign_add_scaled(var, delta, alpha):
    return var.assign_add(alpha * delta)  # another object, not var


def snapshot(var):
    return tf.identity(var)
