# expect: full
import tensorflow as tf


class SmallCNN(tf.keras.Model):
    def __init__(self, num_classes):
        super().__init__()
        # created in another order than they are used: the grader sets weights by shape
        self.head = tf.keras.layers.Dense(num_classes)
        self.conv2 = tf.keras.layers.Conv2D(64, (3, 3))
        self.conv1 = tf.keras.layers.Conv2D(32, (3, 3))

    def call(self, x):
        x = tf.nn.relu(self.conv1(x))
        x = tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
        x = tf.nn.relu(self.conv2(x))
        x = tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
        x = tf.reshape(x, [tf.shape(x)[0], -1])
        return self.head(x)


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    return SmallCNN(num_classes)


def feature_map_shapes(input_shape):
    out = []
    size = list(input_shape[:2])
    for channels in (32, 64):
        size = [s - 3 + 1 for s in size]
        out.append((size[0], size[1], channels))
        size = [s // 2 for s in size]
        out.append((size[0], size[1], channels))
    return out
