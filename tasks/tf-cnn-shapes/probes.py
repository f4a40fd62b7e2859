import numpy as np
import tensorflow as tf

from grader.harness.kit import keras_init, np_rng, sub_seed, type_name

_int = int  # captured before the candidate's module is imported

# (input shape, number of classes, batch size) per trial; trial 0 uses build_cnn's defaults.
# Trial 1 is the smallest input the contract allows (every last feature map is 1x1).
MODEL_SETUPS = {0: ((28, 28, 1), 10, 4), 1: ((10, 11, 3), 5, 3), 2: ((13, 20, 2), 7, 6)}
# feature_map_shapes inputs per trial: square sizes, and non-square ones with odd sizes where the
# floor of the pooling matters.
SQUARE = {0: [(28, 28, 1), (10, 10, 1)], 1: [(32, 32, 3), (11, 11, 2)], 2: [(64, 64, 3), (15, 15, 1)]}
NON_SQUARE = {0: [(13, 20, 2), (48, 64, 3)], 1: [(29, 31, 1), (10, 17, 3)], 2: [(17, 11, 4), (40, 25, 1)]}


def _build(mod, trial):
    input_shape, num_classes, _ = MODEL_SETUPS[trial]
    if trial == 0:
        model = mod.build_cnn()
    else:
        model = mod.build_cnn(input_shape=input_shape, num_classes=num_classes)
    # A subclassed model creates its variables on the first call.
    model(tf.zeros((1, *input_shape), tf.float32))
    return model


def _he_normal(rng, shape, name):
    if len(shape) == 1:
        return 0.1 * rng.standard_normal(shape)
    return rng.standard_normal(shape) * np.sqrt(2.0 / int(np.prod(shape[:-1])))


def _set_weights(model, seed):
    """Values chosen by each variable's shape, not by layer names or creation order, so any
    correct way of writing the network computes the same logits."""
    keras_init(model, seed, _he_normal, key="shape", label="param")


def _shape_key(shape):
    return (len(shape), shape)


def probe_structure(mod, seed, trial):
    model = _build(mod, trial)
    shapes = sorted((tuple(int(s) for s in v.shape) for v in model.trainable_variables), key=_shape_key)
    return {
        "trainable_shapes": [list(s) for s in shapes],
        "n_trainable_params": int(sum(int(np.prod(s)) for s in shapes)),
        # no count of non-trainable variables: Keras 3 gives a Dropout layer a seed-generator
        # state, and dropout is the `no_dropout` check's business, not this one's
    }


def probe_forward(mod, seed, trial):
    input_shape, _, batch = MODEL_SETUPS[trial]
    model = _build(mod, trial)
    _set_weights(model, seed)
    x = np_rng(seed, "x").uniform(0.0, 1.0, (batch, *input_shape)).astype(np.float32)
    return {
        "logits_batch": model(tf.constant(x), training=False),
        "logits_single": model(tf.constant(x[:1]), training=False),
    }


def probe_training_mode(mod, seed, trial):
    """The logits in training and in inference mode: with no dropout and no normalisation they
    are the same (a dropout layer only acts when training=True)."""
    input_shape, _, batch = MODEL_SETUPS[trial]
    model = _build(mod, trial)
    _set_weights(model, seed)
    x = tf.constant(np_rng(seed, "x-train").uniform(0.0, 1.0, (batch, *input_shape)).astype(np.float32))
    tf.random.set_seed(sub_seed(seed, "dropout"))
    return {"training": model(x, training=True), "inference": model(x, training=False)}


def _plain(shapes):
    """The shapes as lists of Python ints, whatever containers and int types they came in (the
    `fms_types` check judges those)."""
    try:
        return [[_int(v) for v in s] for s in shapes]
    except Exception:
        return shapes


def _types(shapes):
    try:
        return [type_name(shapes), [[type_name(s), [type_name(v) for v in s]] for s in shapes]]
    except Exception:
        return type_name(shapes)


def probe_feature_maps(mod, seed, trial):
    square = [mod.feature_map_shapes(s) for s in SQUARE[trial]]
    non_square = [mod.feature_map_shapes(s) for s in NON_SQUARE[trial]]
    return {
        "square": [_plain(r) for r in square],
        "non_square": [_plain(r) for r in non_square],
        "types": [_types(r) for r in square + non_square],
    }
