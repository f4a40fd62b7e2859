import numpy as np
import tensorflow as tf

from grader.harness.kit import sub_seed, type_name as _type_name

# (features, classes) per trial for init_params.
INIT_SETUPS = {0: (784, 10), 1: (3, 2), 2: (5, 7)}
# (features, classes, batch) per trial for predict; trial 1 is a batch of one.
PREDICT_SETUPS = {0: (4, 3, 6), 1: (5, 2, 1), 2: (6, 5, 9)}
# (features, classes, batch, learning rate, steps) per trial for train.
TRAIN_SETUPS = {0: (4, 3, 8, 0.2, 6), 1: (3, 2, 5, 0.15, 4), 2: (6, 5, 12, 0.1, 8)}
# Large logits (|x W + b| in the hundreds): a naive exp / log of softmax overflows to inf or NaN.
STABLE_SETUPS = {0: (4, 5, 8), 1: (3, 4, 6), 2: (5, 3, 10)}
STABLE_SCALE = 60.0
STABLE_LR = 1e-3
STABLE_STEPS = 3


def _rng(seed, *label):
    return np.random.default_rng(sub_seed(seed, *label))


def _params(seed, n_features, n_classes, scale=1.0):
    rng = _rng(seed, "params", n_features, n_classes)
    W = tf.Variable((scale * rng.standard_normal((n_features, n_classes))).astype(np.float32))
    b = tf.Variable((scale * rng.standard_normal(n_classes)).astype(np.float32))
    return W, b


def _data(seed, n, n_features, n_classes, scale=1.0):
    rng = _rng(seed, "data", n, n_features)
    x = (scale * rng.standard_normal((n, n_features))).astype(np.float32)
    labels = rng.integers(0, n_classes, n)
    y = np.eye(n_classes, dtype=np.float32)[labels]
    return tf.constant(x), tf.constant(y)


def _floats(losses):
    return [float(np.asarray(v, dtype=np.float64).reshape(())) for v in losses]


def probe_init(mod, seed, trial):
    n_features, n_classes = INIT_SETUPS[trial]
    W, b = mod.init_params(n_features, n_classes)
    return {
        "are_variables": [isinstance(W, tf.Variable), isinstance(b, tf.Variable)],
        "W": W,
        "b": b,
    }


def probe_predict(mod, seed, trial):
    n_features, n_classes, n = PREDICT_SETUPS[trial]
    W, b = _params(seed, n_features, n_classes)
    x, _ = _data(seed, n, n_features, n_classes)
    return {"probs": np.asarray(mod.predict(W, b, x))}


def probe_train(mod, seed, trial):
    n_features, n_classes, n, lr, steps = TRAIN_SETUPS[trial]
    W, b = _params(seed, n_features, n_classes, scale=0.3)
    x, y = _data(seed, n, n_features, n_classes)
    losses = mod.train(W, b, x, y, lr, steps)
    return {
        "loss_types": {"container": _type_name(losses), "items": [_type_name(v) for v in losses]},
        "losses": _floats(losses),
        "params": {"W": W, "b": b},
    }


def probe_stable(mod, seed, trial):
    n_features, n_classes, n = STABLE_SETUPS[trial]
    W, b = _params(seed, n_features, n_classes)
    x, y = _data(seed, n, n_features, n_classes, scale=STABLE_SCALE)
    probs = np.asarray(mod.predict(W, b, x))
    losses = _floats(mod.train(W, b, x, y, STABLE_LR, STABLE_STEPS))
    return {"probs": probs, "losses": losses, "params": {"W": W, "b": b}}
