# expect: fail=updates
import tensorflow as tf


def train_step(model, x, y, optimizer):
    # a fresh copy of the optimizer for every step: same settings, but its state (momentum,
    # Adam's moments and step count) starts from zero each time
    opt = optimizer.__class__.from_config(optimizer.get_config())
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)
