# expect: fail=loss_value,training_mode
import tensorflow as tf


def train_step(model, x, y, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    # reports the loss after the update (and runs the model a second time to get it)
    return float(tf.reduce_mean((model(x, training=True) - y) ** 2))
