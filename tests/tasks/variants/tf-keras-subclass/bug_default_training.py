# expect: fail=default_inference
import tensorflow as tf


class MLP(tf.keras.Model):
    def __init__(self, hidden_units, num_outputs):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(hidden_units, activation="relu")
        self.dropout = tf.keras.layers.Dropout(0.2)
        self.out = tf.keras.layers.Dense(num_outputs)

    def call(self, inputs, training=True):  # model(x) runs with dropout on
        return self.out(self.dropout(self.hidden(inputs), training=training))
