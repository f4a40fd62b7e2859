# expect: full
import keras


class MLP(keras.Model):
    def __init__(self, hidden_units, num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.net = keras.Sequential(
            [
                keras.layers.Dense(hidden_units, activation="relu"),
                keras.layers.Dropout(0.2),
                keras.layers.Dense(num_outputs),
            ]
        )

    def call(self, inputs, training=False):
        return self.net(inputs, training=training)
