# expect: fail=gradients
import numpy as np
import tensorflow as tf


class MLP(tf.keras.Model):
    def __init__(self, hidden_units, num_outputs):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(hidden_units)
        self.dropout = tf.keras.layers.Dropout(0.2)
        self.out = tf.keras.layers.Dense(num_outputs)

    def call(self, inputs, training=False):
        h = np.maximum(self.hidden(inputs).numpy(), 0.0)  # leaves the graph: no gradient to `hidden`
        h = self.dropout(tf.convert_to_tensor(h), training=training)
        return self.out(h)
