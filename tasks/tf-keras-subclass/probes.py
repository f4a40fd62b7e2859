import keras
import numpy as np
import tensorflow as tf

from grader.harness.kit import keras_init, np_rng, sub_seed

# (inputs, hidden_units, num_outputs, batch, pass the sizes by keyword) per trial.
# Sizes are pairwise distinct so that every variable is recognised by its shape alone.
SETUPS = {0: (5, 7, 3, 1, False), 1: (4, 9, 2, 6, True), 2: (3, 10, 1, 11, False)}
# Dropout probe: hidden_units == num_outputs, output kernel = identity and both biases = b, so
# output - b is the (dropped-out) hidden activation itself; dropout anywhere else does not fit.
DROP_IN, DROP_UNITS, DROP_BATCH = 5, 16, 1000
MAX_RATIOS = 20


def _build(mod, seed, n_in, hidden, out, by_keyword):
    keras.utils.set_random_seed(sub_seed(seed, "build") % 2**31)
    model = mod.MLP(hidden_units=hidden, num_outputs=out) if by_keyword else mod.MLP(hidden, out)
    model(tf.zeros([2, n_in]), training=False)  # create the variables
    return model


def _set_weights(model, seed, identity_square=False):
    """Values chosen by each trainable variable's shape (and its rank among variables of the same
    shape), never by Keras' process-global variable names or the order layers were created in."""

    def fill(rng, shape, name):
        if identity_square and len(shape) == 2 and shape[0] == shape[1]:
            return np.eye(shape[0])
        if identity_square and len(shape) == 1:
            return _shared_bias(seed, shape)
        if len(shape) == 2:
            return rng.standard_normal(shape) / np.sqrt(shape[0])
        return 0.5 * rng.standard_normal(shape)

    keras_init(model, seed, fill, key="shape_rank", label="weight")


def _shared_bias(seed, shape):
    # Both biases of the dropout probe get this value (their shapes are the same).
    return 0.3 * np_rng(seed, "shared-bias", shape).standard_normal(shape)


def _x(seed, batch, n_in, label):
    return tf.constant(np_rng(seed, label).standard_normal((batch, n_in)).astype("float32"))


def _shapes(model):
    return sorted([int(d) for d in v.shape] for v in model.trainable_variables)


def probe_forward(mod, seed, trial):
    n_in, hidden, out, batch, by_keyword = SETUPS[trial]
    model = _build(mod, seed, n_in, hidden, out, by_keyword)
    _set_weights(model, seed)
    x = _x(seed, batch, n_in, "forward-x")
    return {
        "is_model": isinstance(model, keras.Model),
        "variables": _shapes(model),
        "output": np.array(model(x, training=False)),
        "output_default": np.array(model(x)),  # called without the flag: inference
    }


def probe_dropout(mod, seed, trial):
    model = _build(mod, seed, DROP_IN, DROP_UNITS, DROP_UNITS, trial == 1)
    _set_weights(model, seed, identity_square=True)
    x = _x(seed, DROP_BATCH, DROP_IN, "dropout-x")
    b = _shared_bias(seed, (DROP_UNITS,)).astype("float32").astype("float64")  # as assigned
    infer = np.array(model(x, training=False), dtype=np.float64)
    tf.random.set_seed(sub_seed(seed, "dropout"))
    train = np.array(model(x, training=True), dtype=np.float64)
    if train.shape != infer.shape or infer.shape[-1:] != b.shape:
        return {"ratios": None, "drop_fraction": None}
    infer, train = infer - b, train - b  # the hidden activation, without and with dropout
    kept = np.abs(infer) > 1e-2
    ratios = train[kept] / infer[kept]  # dropout: 0 (dropped) or 1 / (1 - rate) (kept, rescaled)
    distinct = sorted({round(float(r), 3) + 0.0 for r in ratios})  # + 0.0: no -0.0
    return {
        "ratios": distinct[:MAX_RATIOS],
        "drop_fraction": round(float(np.mean(np.abs(ratios) < 1e-3)), 1),
    }


def _every_gradient(model, x, c, training):
    variables = sorted(model.trainable_variables, key=lambda v: [int(d) for d in v.shape])
    with tf.GradientTape() as tape:
        pred = model(x, training=training)
        loss = tf.reduce_sum(tf.cast(pred, tf.float32) * c) if pred.shape == c.shape else tf.reduce_sum(pred)
    grads = tape.gradient(loss, variables)
    return len(grads) > 0 and all(g is not None for g in grads)


def probe_gradients(mod, seed, trial):
    n_in, hidden, out, batch, by_keyword = SETUPS[trial]
    model = _build(mod, seed, n_in, hidden, out, by_keyword)
    _set_weights(model, seed)
    x = _x(seed, batch, n_in, "grad-x")
    c = _x(seed, batch, out, "grad-c")
    inference = _every_gradient(model, x, c, False)
    tf.random.set_seed(sub_seed(seed, "grad-dropout"))
    return {"every_variable": {"inference": inference, "training": _every_gradient(model, x, c, True)}}
