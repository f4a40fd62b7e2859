# expect: full
import tensorflow as tf
from tensorflow import keras


def train_step(model, x, y, optimizer):
    tape = tf.GradientTape()
    with tape:
        err = model(x, training=True) - y
        loss = keras.ops.mean(err * err)
    grads_and_vars = [(g, v) for g, v in zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)]
    optimizer.apply_gradients(grads_and_vars)
    return float(keras.ops.convert_to_numpy(loss))
