# expect: fail=no_dropout
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
            tf.keras.layers.Dropout(0.5),  # regularisation the contract does not ask for
            tf.keras.layers.Dense(num_classes),
        ]
    )


def feature_map_shapes(input_shape):
    h, w, _ = input_shape
    shapes = []
    for filters in (32, 64):
        h, w = h - 2, w - 2
        shapes.append((h, w, filters))
        h, w = h // 2, w // 2
        shapes.append((h, w, filters))
    return shapes
