# expect: full
import keras
import tensorflow as tf


def init_params(num_features, num_classes):
    W = tf.Variable(tf.zeros_initializer()(shape=(num_features, num_classes), dtype=tf.float32), name="weights")
    b = tf.Variable(tf.zeros_initializer()(shape=(num_classes,), dtype=tf.float32), name="bias")
    return W, b


def predict(W, b, x):
    return keras.activations.softmax(tf.matmul(x, W) + b, axis=-1)


def train(W, b, x, y_onehot, lr, steps):
    loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    history = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_fn(y_onehot, tf.matmul(x, W) + b)
        grads = tape.gradient(loss, [W, b])
        optimizer.apply_gradients(zip(grads, [W, b]))
        history.append(float(loss))
    return history
