# expect: fail=param_shapes,logits,fms_square,fms_non_square
import tensorflow as tf


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=input_shape),
            tf.keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
            tf.keras.layers.MaxPool2D(2),
            tf.keras.layers.Conv2D(64, 3, activation="relu", padding="same"),
            tf.keras.layers.MaxPool2D(2),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(num_classes),
        ]
    )


def feature_map_shapes(input_shape):
    h, w, _ = input_shape
    return [(h, w, 32), (h // 2, w // 2, 32), (h // 2, w // 2, 64), (h // 4, w // 4, 64)]
