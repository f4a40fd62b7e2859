import keras
import numpy as np
import tensorflow as tf

from grader.harness.kit import keras_init, np_rng, scalar_array, small_seed, sub_seed
from grader.harness.kit import type_name as _type_name

# probe_steps: (batch size, inputs, outputs, optimizer) per trial; one batch, several steps.
STEP_SETUPS = {0: (8, 4, 2, "sgd"), 1: (1, 3, 3, "momentum"), 2: (16, 5, 1, "adam")}
N_STEPS = 4
# probe_updates: (inputs, optimizer) per trial; one example with one output, so that the mean and
# the sum of the squared errors coincide: the variables judge the update, not the reduction.
UPDATE_SETUPS = {0: (4, "sgd"), 1: (3, "momentum"), 2: (5, "adam")}
UPDATE_STEPS = 5
# probe_train_mode: batch size per trial; a model with BatchNormalization and Dropout, one step.
MODE_SETUPS = {0: 10, 1: 7, 2: 16}


class _FlagDropout(keras.layers.Dropout):
    """Dropout that records the training flag it is called with (at trace time under tf.function)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.flags = []

    def call(self, inputs, training=False):
        self.flags.append(repr(training) if training is None or isinstance(training, bool) else "a tensor")
        return super().call(inputs, training=training)


def _fill(rng, shape, name):
    if name == "moving_mean":
        return np.zeros(shape)
    if name == "moving_variance":
        return np.ones(shape)
    if name == "gamma":
        return 1.0 + 0.1 * rng.standard_normal(shape)
    bound = 1.0 / np.sqrt(shape[0]) if len(shape) == 2 else 0.1
    return rng.uniform(-bound, bound, shape)


def _set_weights(model, seed):
    """Deterministic weights chosen by layer position, variable name and shape, not by Keras'
    initializers or its process-global layer names."""
    keras_init(model, seed, _fill, key="layer", trainable_only=False, label="weight")


def _optimizer(kind):
    # Learning rates small enough that descent lowers the loss within a few steps, for any seed,
    # even with a summed loss (larger gradients) or absolute error.
    if kind == "sgd":
        return keras.optimizers.SGD(learning_rate=0.05)
    if kind == "momentum":
        return keras.optimizers.SGD(learning_rate=0.02, momentum=0.9)
    return keras.optimizers.Adam(learning_rate=0.01)


def _tensor(seed, *shape, label):
    return tf.constant(np_rng(seed, label).standard_normal(shape).astype("float32"))


def _values(variables):
    return [np.array(v.numpy()) for v in variables]


def _mlp(seed, n_in, n_out):
    keras.utils.set_random_seed(sub_seed(seed, "build"))
    model = keras.Sequential(
        [keras.Input((n_in,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(n_out)]
    )
    _set_weights(model, seed)
    return model


def probe_steps(mod, seed, trial):
    batch, n_in, n_out, opt_kind = STEP_SETUPS[trial]
    model = _mlp(seed, n_in, n_out)
    opt = _optimizer(opt_kind)
    x = _tensor(seed, batch, n_in, label="x")
    y = _tensor(seed, batch, n_out, label="y")
    returned = [mod.train_step(model, x, y, opt) for _ in range(N_STEPS)]
    losses = [scalar_array(r, "train_step") for r in returned]
    return {
        "loss_type": _type_name(returned[0]),
        "first_loss": losses[0],
        "losses": [float(v) for v in losses],
    }


def probe_updates(mod, seed, trial):
    n_in, opt_kind = UPDATE_SETUPS[trial]
    model = _mlp(seed, n_in, 1)
    opt = _optimizer(opt_kind)
    x = _tensor(seed, 1, n_in, label="update-x")
    y = _tensor(seed, 1, 1, label="update-y")
    for _ in range(UPDATE_STEPS):
        mod.train_step(model, x, y, opt)
    return {"variables": _values(model.trainable_variables)}


def probe_train_mode(mod, seed, trial):
    keras.utils.set_random_seed(sub_seed(seed, "build"))
    dropout = _FlagDropout(0.3, seed=small_seed(seed, "dropout", below=10_000))
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(12, use_bias=False),
            keras.layers.BatchNormalization(momentum=0.5),  # a second call of the model shows clearly
            keras.layers.ReLU(),
            dropout,
            keras.layers.Dense(2),
        ]
    )
    _set_weights(model, seed)
    bn = model.layers[1]
    n = MODE_SETUPS[trial]
    x = 2.0 * _tensor(seed, n, 6, label="mode-x") + 1.0
    y = _tensor(seed, n, 2, label="mode-y")
    dropout.flags.clear()
    mod.train_step(model, x, y, _optimizer("sgd"))
    return {
        # every training flag Dropout saw during the step (a tf.function may trace more than once)
        "dropout_flags": sorted(set(dropout.flags)),
        # updated by BatchNormalization's forward pass in training mode, once per call of the model
        "moving_stats": _values([bn.moving_mean, bn.moving_variance]),
    }
