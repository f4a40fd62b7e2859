# expect: full
import tensorflow as tf


@tf.function
def _step(model, x, y, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.math.squared_difference(model(x, training=True), y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def train_step(model, x, y, optimizer):
    if not optimizer.built:
        # tf.function may only create variables on its first trace: build the slots eagerly.
        optimizer.build(model.trainable_variables)
    return float(_step(model, x, y, optimizer))
