# expect: full
import keras
from keras import ops


class MLP(keras.Model):
    """Weights created by hand in build(), dropout through keras.random."""

    def __init__(self, hidden_units, num_outputs):
        super().__init__()
        self.hidden_units = hidden_units
        self.num_outputs = num_outputs
        self.seed_gen = keras.random.SeedGenerator(1234)

    def build(self, input_shape):
        features = input_shape[-1]
        self.w1 = self.add_weight(shape=(features, self.hidden_units), initializer="glorot_uniform")
        self.b1 = self.add_weight(shape=(self.hidden_units,), initializer="zeros")
        self.w2 = self.add_weight(shape=(self.hidden_units, self.num_outputs), initializer="glorot_uniform")
        self.b2 = self.add_weight(shape=(self.num_outputs,), initializer="zeros")

    def call(self, inputs, training=False):
        h = ops.relu(ops.matmul(inputs, self.w1) + self.b1)
        if training:
            h = keras.random.dropout(h, rate=0.2, seed=self.seed_gen)
        return ops.matmul(h, self.w2) + self.b2
