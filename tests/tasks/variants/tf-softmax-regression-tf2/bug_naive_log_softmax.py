# expect: fail=stable
import tensorflow as tf


def init_params(num_features, num_classes):
    return tf.Variable(tf.zeros([num_features, num_classes])), tf.Variable(tf.zeros([num_classes]))


def predict(W, b, x):
    e = tf.exp(tf.matmul(x, W) + b)
    return e / tf.reduce_sum(e, axis=1, keepdims=True)


def train(W, b, x, y_onehot, lr, steps):
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(tf.reduce_sum(y_onehot * tf.math.log(predict(W, b, x)), axis=1))
        dW, db = tape.gradient(loss, [W, b])
        W.assign_sub(lr * dW)
        b.assign_sub(lr * db)
        losses.append(float(loss))
    return losses
