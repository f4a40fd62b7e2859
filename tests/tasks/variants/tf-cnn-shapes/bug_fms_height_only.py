# expect: fail=fms_non_square
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
    size = input_shape[0]  # assumes square images
    shapes = []
    for filters in (32, 64):
        size = size - 3 + 1
        shapes.append((size, size, filters))
        size = size // 2
        shapes.append((size, size, filters))
    return shapes
