# expect: fail=fms_types
import tensorflow as tf


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    inputs = tf.keras.Input(shape=input_shape)
    x = tf.keras.layers.Conv2D(32, (3, 3), activation="relu")(inputs)
    x = tf.keras.layers.MaxPooling2D((2, 2))(x)
    x = tf.keras.layers.Conv2D(64, (3, 3), activation="relu")(x)
    x = tf.keras.layers.MaxPooling2D((2, 2))(x)
    x = tf.keras.layers.Flatten()(x)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(num_classes)(x))


def feature_map_shapes(input_shape):
    h, w, _ = input_shape
    shapes = []
    for filters in (32, 64):
        h, w = h - 2, w - 2
        shapes.append([h, w, filters])  # lists, where the contract says tuples
        h, w = h // 2, w // 2
        shapes.append([h, w, filters])
    return shapes
