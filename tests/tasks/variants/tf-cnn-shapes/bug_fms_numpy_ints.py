# expect: fail=fms_types
import numpy as np
import tensorflow as tf


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=input_shape),
            tf.keras.layers.Conv2D(32, 3, activation="relu"),
            tf.keras.layers.MaxPool2D(2),
            tf.keras.layers.Conv2D(64, 3, activation="relu"),
            tf.keras.layers.MaxPool2D(2),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(num_classes),
        ]
    )


def feature_map_shapes(input_shape):
    hw = np.array(input_shape[:2])
    shapes = []
    for filters in (32, 64):
        hw = hw - 3 + 1
        shapes.append((hw[0], hw[1], filters))  # numpy.int64 entries, not Python ints
        hw = np.floor(hw / 2).astype(np.int64)
        shapes.append((hw[0], hw[1], filters))
    return shapes
