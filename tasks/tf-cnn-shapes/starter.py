import tensorflow as tf

# The article's TF1 version (tf.layers no longer exists in TensorFlow 2):
#   conv1 = tf.layers.conv2d(inputs=x, filters=32, kernel_size=[5, 5], padding="SAME")
#   pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], strides=2)
#   conv2 = tf.layers.conv2d(inputs=pool1, filters=64, kernel_size=[5, 5], padding="SAME")
#   pool2 = tf.layers.max_pooling2d(inputs=conv2, pool_size=[2, 2], strides=2)


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    """Conv2D(32, 3x3, valid, ReLU) -> MaxPool2D(2) -> Conv2D(64, 3x3, valid, ReLU) -> MaxPool2D(2)
    -> Flatten -> Dense(num_classes); returns a tf.keras.Model that outputs logits."""
    # TODO
    raise NotImplementedError


def feature_map_shapes(input_shape):
    """(height, width, channels) after each of the four conv / pool layers, as a list of tuples."""
    # TODO
    raise NotImplementedError
