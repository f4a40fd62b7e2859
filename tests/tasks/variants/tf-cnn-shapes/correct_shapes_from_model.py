# expect: full
import tensorflow as tf

L = tf.keras.layers


def _feature_layers():
    return [
        L.Conv2D(32, 3, activation="relu"),
        L.MaxPool2D(pool_size=2),
        L.Conv2D(64, 3, activation="relu"),
        L.MaxPool2D(pool_size=2),
    ]


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    model = tf.keras.Sequential(_feature_layers() + [L.Flatten(), L.Dense(num_classes)])
    model.build((None, *input_shape))
    return model


def feature_map_shapes(input_shape):
    # let Keras do the arithmetic: run a symbolic input through the layers
    x = tf.keras.Input(shape=tuple(input_shape))
    shapes = []
    for layer in _feature_layers():
        x = layer(x)
        shapes.append(tuple(int(d) for d in x.shape[1:]))
    return shapes
