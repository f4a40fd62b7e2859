# expect: full
import math

import keras
from keras import layers


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(filters=32, kernel_size=(3, 3), strides=(1, 1))(inputs)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding="valid")(x)
    x = layers.Conv2D(filters=64, kernel_size=(3, 3))(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    logits = layers.Dense(num_classes, activation=None)(x)
    return keras.Model(inputs, logits, name="small_cnn")


def _conv(size, kernel=3, stride=1):
    return (size - kernel) // stride + 1


def _pool(size, window=2, stride=2):
    return math.floor((size - window) / stride) + 1


def feature_map_shapes(input_shape):
    h, w, _ = input_shape
    h1, w1 = _conv(h), _conv(w)
    h2, w2 = _pool(h1), _pool(w1)
    h3, w3 = _conv(h2), _conv(w2)
    h4, w4 = _pool(h3), _pool(w3)
    return [(h1, w1, 32), (h2, w2, 32), (h3, w3, 64), (h4, w4, 64)]
