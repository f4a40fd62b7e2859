# expect: full
import tensorflow as tf


def make_constant(values):
    return tf.convert_to_tensor(values, dtype=tf.float32)


def make_variable(shape, seed):
    shape = tf.TensorShape(shape)
    value = tf.random.stateless_normal(shape, seed=tf.stack([seed, 0]))
    return tf.Variable(value, dtype=tf.float32)


def assign_add_scaled(var, delta, alpha):
    update = tf.multiply(tf.cast(delta, tf.float32), alpha)
    var.assign_add(update, read_value=False)
    return var


def snapshot(var):
    return tf.convert_to_tensor(var)
