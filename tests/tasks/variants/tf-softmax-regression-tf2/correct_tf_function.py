# expect: full
import tensorflow as tf


class SoftmaxRegression:
    """The parameters and the update step, as a tf.function."""

    @staticmethod
    def logits(W, b, x):
        return tf.einsum("nf,fk->nk", x, W) + b

    @staticmethod
    @tf.function
    def step(W, b, x, y, lr):
        with tf.GradientTape() as tape:
            z = SoftmaxRegression.logits(W, b, x)
            per_example = tf.reduce_logsumexp(z, axis=1) - tf.reduce_sum(y * z, axis=1)
            loss = tf.reduce_mean(per_example)
        dW, db = tape.gradient(loss, [W, b])
        W.assign_sub(lr * dW)
        b.assign_sub(lr * db)
        return loss


def init_params(num_features, num_classes):
    return tf.Variable(tf.zeros((num_features, num_classes))), tf.Variable(tf.zeros((num_classes,)))


def predict(W, b, x):
    z = SoftmaxRegression.logits(W, b, x)
    return tf.exp(z - tf.reduce_logsumexp(z, axis=1, keepdims=True))


def train(W, b, x, y_onehot, lr, steps):
    lr = tf.constant(lr, tf.float32)
    return [float(SoftmaxRegression.step(W, b, x, y_onehot, lr)) for _ in range(steps)]
