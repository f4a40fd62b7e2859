# expect: fail=snapshot_kind
import tensorflow as tf


def make_constant(values):
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    return tf.Variable(tf.random.stateless_normal(shape, seed=[seed, 0]))


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * tf.convert_to_tensor(delta, dtype=tf.float32))
    return var


def snapshot(var):
    return var.numpy()  # a copy, but a NumPy array, not a tf.Tensor
