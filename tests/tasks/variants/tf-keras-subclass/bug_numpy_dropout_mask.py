# expect: fail=gradients
import numpy as np
import tensorflow as tf


class MLP(tf.keras.Model):
    def __init__(self, hidden_units, num_outputs):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(hidden_units, activation="relu")
        self.out = tf.keras.layers.Dense(num_outputs)
        self.rate = 0.2

    def call(self, inputs, training=False):
        h = self.hidden(inputs)
        if training:
            # inverted dropout by hand, in NumPy: right numbers, but the tape loses `hidden`
            seed = int(tf.random.uniform([], 0, 2**31 - 1, dtype=tf.int64))
            keep = np.random.default_rng(seed).random(h.shape) >= self.rate
            h = tf.constant(h.numpy() * keep / (1.0 - self.rate), dtype=tf.float32)
        return self.out(h)
