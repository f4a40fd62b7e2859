# expect: full
import tensorflow as tf


class MLP(tf.keras.Model):
    def __init__(self, hidden_units, num_outputs):
        super(MLP, self).__init__()
        self.fc1 = tf.keras.layers.Dense(hidden_units)
        self.act = tf.keras.layers.ReLU()
        self.drop = tf.keras.layers.Dropout(rate=0.2)
        self.fc2 = tf.keras.layers.Dense(num_outputs, activation=None)

    def call(self, inputs, training=None):
        x = self.act(self.fc1(inputs))
        x = self.drop(x, training=training)
        return self.fc2(x)
