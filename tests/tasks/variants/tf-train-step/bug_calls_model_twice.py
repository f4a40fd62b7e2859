# expect: fail=training_mode
import tensorflow as tf


def train_step(model, x, y, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    # the loss to report, computed again before the update (a second forward pass)
    reported = float(tf.reduce_mean((model(x, training=True) - y) ** 2))
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return reported
