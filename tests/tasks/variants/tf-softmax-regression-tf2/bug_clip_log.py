# expect: fail=stable
import tensorflow as tf


def init_params(num_features, num_classes):
    W = tf.Variable(tf.zeros([num_features, num_classes]))
    b = tf.Variable(tf.zeros([num_classes]))
    return W, b


def predict(W, b, x):
    return tf.nn.softmax(tf.matmul(x, W) + b)


def train(W, b, x, y_onehot, lr, steps):
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            probs = predict(W, b, x)
            # clipping keeps log() finite, but the loss is wrong once a probability underflows
            loss = -tf.reduce_mean(tf.reduce_sum(y_onehot * tf.math.log(tf.clip_by_value(probs, 1e-10, 1.0)), axis=1))
        dW, db = tape.gradient(loss, [W, b])
        W.assign_sub(lr * dW)
        b.assign_sub(lr * db)
        losses.append(float(loss))
    return losses
