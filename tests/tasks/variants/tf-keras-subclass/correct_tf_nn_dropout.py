# expect: full
import tensorflow as tf


class MLP(tf.keras.Model):
    def __init__(self, hidden_units, num_outputs):
        super().__init__()
        # output layer created first: variable order must not matter
        self.head = tf.keras.layers.Dense(num_outputs)
        self.body = tf.keras.layers.Dense(hidden_units)

    def call(self, inputs, training=False):
        h = tf.nn.relu(self.body(inputs))
        if training:
            h = tf.nn.dropout(h, rate=0.2)
        return self.head(h)
