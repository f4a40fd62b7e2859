# expect: fail=loss_types
import tensorflow as tf


def init_params(num_features, num_classes):
    return tf.Variable(tf.zeros([num_features, num_classes])), tf.Variable(tf.zeros([num_classes]))


def predict(W, b, x):
    return tf.nn.softmax(tf.matmul(x, W) + b)


def train(W, b, x, y_onehot, lr, steps):
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_onehot, logits=tf.matmul(x, W) + b))
        dW, db = tape.gradient(loss, [W, b])
        W.assign_sub(lr * dW)
        b.assign_sub(lr * db)
        losses.append(loss.numpy())  # numpy.float32
    return losses
