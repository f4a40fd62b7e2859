# expect: full
import tensorflow as tf


def make_constant(values):
    return tf.cast(tf.convert_to_tensor(values), tf.float32)


def make_variable(shape, seed):
    init = tf.random.stateless_normal(shape=shape, seed=(seed, 0), mean=0.0, stddev=1.0, dtype=tf.float32)
    return tf.Variable(initial_value=init, trainable=True, name="weights")


def assign_add_scaled(var, delta, alpha):
    var.assign(var + delta * alpha)
    return var


def snapshot(var):
    return var.read_value()
