# expect: fail=global_seed_untouched
import tensorflow as tf


def make_constant(values):
    return tf.constant(values, dtype=tf.float32)


def make_variable(shape, seed):
    tf.random.set_seed(seed)  # "for reproducibility": the values below do not need it
    return tf.Variable(tf.random.stateless_normal(shape, seed=[seed, 0]))


def assign_add_scaled(var, delta, alpha):
    var.assign_add(alpha * tf.convert_to_tensor(delta, dtype=tf.float32))
    return var


def snapshot(var):
    return tf.identity(var)
