# expect: fail=training_mode
import tensorflow as tf


def train_step(model, x, y, optimizer):
    reported = float(tf.reduce_mean((model(x) - y) ** 2))  # "clean" loss, without dropout
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return reported
