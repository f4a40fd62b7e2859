# expect: fail=training_mode
import tensorflow as tf


def train_step(model, x, y, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)  # Dropout/BatchNorm in inference mode
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)
