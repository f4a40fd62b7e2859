# expect: full
import keras
import tensorflow as tf


def train_step(model, x, y, optimizer):
    with tf.GradientTape() as tape:
        per_example = keras.losses.mean_squared_error(y, model(x, training=True))  # mean over outputs
        loss = tf.reduce_mean(per_example)  # then over the batch: the mean over all elements
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(list(zip(grads, model.trainable_variables)))
    return float(loss)
