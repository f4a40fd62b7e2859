# expect: fail=probabilities,probabilities_dtype,loss_values,loss_types,loss_decreases,trained_params,stable
import tensorflow as tf


def init_params(num_features, num_classes):
    return tf.Variable(tf.zeros([num_features, num_classes])), tf.Variable(tf.zeros([num_classes]))


def predict(W, b, x):
    x_ph = tf.compat.v1.placeholder(tf.float32, shape=[None, W.shape[0]])
    prediction = tf.nn.softmax(tf.matmul(x_ph, W) + b)
    with tf.compat.v1.Session() as sess:
        return sess.run(prediction, feed_dict={x_ph: x})


def train(W, b, x, y_onehot, lr, steps):
    x_ph = tf.compat.v1.placeholder(tf.float32, shape=[None, W.shape[0]])
    y_ph = tf.compat.v1.placeholder(tf.float32, shape=[None, W.shape[1]])
    logits = tf.matmul(x_ph, W) + b
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y_ph))
    step = tf.compat.v1.train.GradientDescentOptimizer(learning_rate=lr).minimize(loss)
    losses = []
    with tf.compat.v1.Session() as sess:
        for _ in range(steps):
            _, value = sess.run([step, loss], feed_dict={x_ph: x, y_ph: y_onehot})
            losses.append(float(value))
    return losses
