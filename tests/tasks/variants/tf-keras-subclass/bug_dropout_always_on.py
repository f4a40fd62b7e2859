# expect: fail=inference_values,default_inference,dropout_training
import tensorflow as tf


class MLP(tf.keras.Model):
    def __init__(self, hidden_units, num_outputs):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(hidden_units, activation="relu")
        self.out = tf.keras.layers.Dense(num_outputs)

    def call(self, inputs, training=False):
        h = tf.nn.dropout(self.hidden(inputs), rate=0.2)  # ignores the training flag
        return self.out(h)
