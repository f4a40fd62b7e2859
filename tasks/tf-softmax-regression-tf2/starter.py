# The article's TensorFlow 1 softmax regression, wrapped in the functions of the contract.
# It does not run in TensorFlow 2 (eager execution): port it.
import tensorflow as tf


def init_params(num_features, num_classes):
    W = tf.Variable(tf.random.normal([num_features, num_classes]))
    b = tf.Variable(tf.zeros([num_classes]))
    return W, b


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
    optimizer = tf.compat.v1.train.GradientDescentOptimizer(learning_rate=0.5).minimize(loss)
    losses = []
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        for _ in range(steps):
            _, value = sess.run([optimizer, loss], feed_dict={x_ph: x, y_ph: y_onehot})
            losses.append(value)
    return losses
