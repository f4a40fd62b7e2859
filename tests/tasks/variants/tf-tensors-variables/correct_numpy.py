# expect: full
import numpy as np
import tensorflow as tf


def make_constant(values):
    return tf.constant(np.asarray(values, dtype=np.float32))


def make_variable(shape, seed):
    seed_pair = tf.constant([seed, 0], dtype=tf.int64)
    return tf.Variable(tf.random.stateless_normal(tuple(shape), seed=seed_pair))


def assign_add_scaled(var, delta, alpha):
    step = -alpha * np.asarray(delta, dtype=np.float32)
    var.assign_sub(step)  # var - (-alpha * delta)
    return var


def snapshot(var):
    return tf.constant(var.numpy())
