# expect: fail=returns_float,loss_value,loss_decreases,updates,training_mode
import tensorflow as tf


def train_step(model, x, y, optimizer):
    predictions = model(x, training=True)  # not recorded by the tape
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((predictions - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)  # all None
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)
