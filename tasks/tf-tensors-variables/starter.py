import tensorflow as tf


def make_constant(values):
    """An immutable float32 tensor holding `values`."""
    return tf.constant(values)


def make_variable(shape, seed):
    """A trainable float32 tf.Variable, reproducibly initialised from `seed`."""
    return tf.Variable(tf.random.normal(shape))


def assign_add_scaled(var, delta, alpha):
    """var <- var + alpha * delta, in place; returns var."""
    # TODO
    raise NotImplementedError


def snapshot(var):
    """The variable's current value as a tensor that later updates of `var` do not change."""
    # TODO
    raise NotImplementedError
