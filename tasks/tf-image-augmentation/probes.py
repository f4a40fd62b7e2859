import numpy as np
import tensorflow as tf

from grader.harness.kit import sub_seed

# (batch, height, width, channels, dtype) per trial; trial 1 is a batch of one.
FLIP_SETUPS = {0: (12, 5, 7, 3, "float32"), 1: (1, 6, 4, 1, "float32"), 2: (16, 4, 9, 2, "float64")}
SEEDS_PER_TRIAL = 4
# (batch, height, width, channels, dtype, brighter delta, darker delta) per trial.
BRIGHTNESS_SETUPS = {
    0: (4, 6, 6, 3, "float32", 0.3, -0.3),
    1: (1, 5, 8, 1, "float32", 0.5, -0.15),
    2: (3, 7, 4, 2, "float64", 0.2, -0.4),
}
RANGE_DELTA = 0.4


def _rng(seed, *label):
    return np.random.default_rng(sub_seed(seed, *label))


def _aug_seed(seed, *label):
    return sub_seed(seed, "augment-seed", *label) % 100_000


def _images(seed, n, h, w, c, dtype, label, low=0.0, high=1.0):
    return _rng(seed, label).uniform(low, high, (n, h, w, c)).astype(dtype)


def probe_flip(mod, seed, trial):
    n, h, w, c, dtype = FLIP_SETUPS[trial]
    # Inside (0, 1) so that clipping does nothing here; every image differs from its mirror.
    images = tf.constant(_images(seed, n, h, w, c, dtype, "flip", 0.05, 0.95))
    seeds = [_aug_seed(seed, "flip", k) for k in range(SEEDS_PER_TRIAL)]
    return {"outputs": [mod.augment(images, s, 0.0) for s in seeds]}


def _symmetric(a):
    """Images equal to their own left-right and up-down mirrors: flips cannot change them."""
    return (a + a[:, :, ::-1] + a[:, ::-1, :] + a[:, ::-1, ::-1]) / 4


def probe_brightness(mod, seed, trial):
    n, h, w, c, dtype, up, down = BRIGHTNESS_SETUPS[trial]
    # Spread the values over [0, 1] after symmetrising (an average of four uniforms bunches up).
    base = _symmetric(_images(seed, n, h, w, c, "float64", "brightness"))
    base = (base - base.min()) / (base.max() - base.min())
    images = tf.constant(base.astype(dtype))
    s = _aug_seed(seed, "brightness")
    return {"brighter": mod.augment(images, s, up), "darker": mod.augment(images, s, down)}


def probe_range(mod, seed, trial):
    images = tf.constant(_images(seed, 6, 5, 5, 3, "float32", "range"))
    s = _aug_seed(seed, "range")
    brighter = mod.augment(images, s, RANGE_DELTA)
    darker = mod.augment(images, s, -RANGE_DELTA)
    return {
        "max_after_brightening": float(tf.reduce_max(tf.cast(brighter, tf.float64))),
        "min_after_darkening": float(tf.reduce_min(tf.cast(darker, tf.float64))),
    }


def probe_repeat(mod, seed, trial):
    images = tf.constant(_images(seed, 16, 3, 5, 1, "float32", "repeat", 0.05, 0.95))
    s = _aug_seed(seed, "repeat")
    return {"first": mod.augment(images, s, 0.0), "second": mod.augment(images, s, 0.0)}
