# expect: full
import keras
import tensorflow as tf

mse = keras.losses.MeanSquaredError()


def train_step(model: keras.Model, x: tf.Tensor, y: tf.Tensor, optimizer) -> float:
    with tf.GradientTape() as tape:
        loss = mse(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply(grads, model.trainable_weights)
    return float(loss.numpy())
