# expect: full
import math

import tensorflow as tf


class SmallCNN(tf.keras.Model):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = tf.keras.layers.Conv2D(32, kernel_size=(3, 3), strides=1, padding="valid")
        self.pool1 = tf.keras.layers.MaxPooling2D(pool_size=2, strides=2)
        self.conv2 = tf.keras.layers.Conv2D(64, kernel_size=(3, 3), strides=1, padding="valid")
        self.pool2 = tf.keras.layers.MaxPooling2D(pool_size=2, strides=2)
        self.flatten = tf.keras.layers.Flatten()
        self.head = tf.keras.layers.Dense(num_classes)

    def call(self, x, training=False):
        x = self.pool1(tf.nn.relu(self.conv1(x)))
        x = self.pool2(tf.nn.relu(self.conv2(x)))
        return self.head(self.flatten(x))


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    return SmallCNN(num_classes)


def feature_map_shapes(input_shape):
    h, w, _ = (int(v) for v in input_shape)
    out = []
    for filters in (32, 64):
        h, w = (h - 3) // 1 + 1, (w - 3) // 1 + 1
        out.append((h, w, filters))
        h, w = math.floor(h / 2), math.floor(w / 2)
        out.append((h, w, filters))
    return out
