import numpy as np
import tensorflow as tf

from grader.harness.kit import np_rng, scalar
from grader.harness.kit import type_name as _type_name

# (features, classes) per trial for init_params.
INIT_SETUPS = {0: (784, 10), 1: (3, 2), 2: (5, 7)}
# (features, classes, batch) per trial for predict; trial 1 is a batch of one.
PREDICT_SETUPS = {0: (4, 3, 6), 1: (5, 2, 1), 2: (6, 5, 9)}
# (features, classes, batch, learning rate, steps) per trial for train.
TRAIN_SETUPS = {0: (4, 3, 8, 0.2, 6), 1: (3, 2, 5, 0.15, 4), 2: (6, 5, 12, 0.1, 8)}
# Large logits: (features, classes) per trial, one example whose logits span [-150, 150] and whose
# label is the class of the smallest logit: a naive exp overflows, the log of the softmax is
# log(0). One example (mean = sum) and lr = 0 (the loss and the parameters stay where they are
# unless a gradient is NaN): only stability can change what this probe sees.
STABLE_SETUPS = {0: (4, 5), 1: (3, 4), 2: (5, 3)}
STABLE_HALF_SPAN = 150.0
STABLE_LR = 0.0
STABLE_STEPS = 2


def _params(seed, n_features, n_classes, scale=1.0):
    rng = np_rng(seed, "params", n_features, n_classes)
    W = tf.Variable((scale * rng.standard_normal((n_features, n_classes))).astype(np.float32))
    b = tf.Variable((scale * rng.standard_normal(n_classes)).astype(np.float32))
    return W, b


def _data(seed, n, n_features, n_classes, scale=1.0):
    rng = np_rng(seed, "data", n, n_features)
    x = (scale * rng.standard_normal((n, n_features))).astype(np.float32)
    labels = rng.integers(0, n_classes, n)
    y = np.eye(n_classes, dtype=np.float32)[labels]
    return tf.constant(x), tf.constant(y)


def _floats(losses):
    return [scalar(v) for v in losses]


def _variable_kind(v):
    return {
        "is_variable": isinstance(v, tf.Variable),
        "trainable": getattr(v, "trainable", None) is True,
        "dtype": str(getattr(getattr(v, "dtype", None), "name", None)),
    }


def probe_init(mod, seed, trial):
    n_features, n_classes = INIT_SETUPS[trial]
    params = mod.init_params(n_features, n_classes)
    container = _type_name(params)
    W, b = params
    return {
        "kind": {"container": container, "W": _variable_kind(W), "b": _variable_kind(b)},
        "values": {"W": np.array(W), "b": np.array(b)},
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
    values = _floats(losses)
    return {
        "loss_types": {"container": _type_name(losses), "items": [_type_name(v) for v in losses]},
        "first_loss": values[0] if values else None,
        "losses": values,
        "params": {"W": W, "b": b},
    }


def _finite(value):
    return bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))


def probe_stable(mod, seed, trial):
    n_features, n_classes = STABLE_SETUPS[trial]
    rng = np_rng(seed, "stable", n_features, n_classes)
    W0 = rng.standard_normal((n_features, n_classes))
    x0 = rng.standard_normal((1, n_features))
    z = (x0 @ W0)[0]
    scale = 2 * STABLE_HALF_SPAN / (z.max() - z.min())
    b0 = 0.1 * rng.standard_normal(n_classes)
    b0 += STABLE_HALF_SPAN - (scale * z + b0).max()  # logits from about -150 to 150
    x = tf.constant((scale * x0).astype(np.float32))
    W = tf.Variable(W0.astype(np.float32))
    b = tf.Variable(b0.astype(np.float32))
    y = tf.constant(np.eye(n_classes, dtype=np.float32)[[int(np.argmin(scale * z + b0))]])
    probs = np.asarray(mod.predict(W, b, x))
    losses = _floats(mod.train(W, b, x, y, STABLE_LR, STABLE_STEPS))
    return {
        "finite": {"probs": _finite(probs), "losses": _finite(losses), "params": _finite(W) and _finite(b)},
        "first_loss": losses[0] if losses else None,
    }
