# expect: fail=loss_decreases,updates
import tensorflow as tf


def train_step(model, x, y, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)  # computed, never applied
    return float(loss)
