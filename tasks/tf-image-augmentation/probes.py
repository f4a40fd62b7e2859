import numpy as np
import tensorflow as tf

from grader.harness.kit import capture, np_rng, small_seed

# (batch, height, width, channels, dtype) per trial; trial 1 is a batch of one.
FLIP_SETUPS = {0: (12, 5, 7, 3, "float32"), 1: (1, 6, 4, 1, "float32"), 2: (16, 4, 9, 2, "float64")}
SEEDS_PER_TRIAL = 4
# (batch, height, width, channels, dtype, brighter delta, darker delta) per trial; the images lie in
# [0.32, 0.68] and |delta| <= 0.3, so the shifted values stay inside (0, 1) and clipping (judged by
# value_range) does not change them.
BRIGHTNESS_SETUPS = {
    0: (4, 6, 6, 3, "float32", 0.3, -0.3),
    1: (1, 5, 8, 1, "float32", 0.25, -0.15),
    2: (3, 7, 4, 2, "float64", 0.2, -0.28),
}
RANGE_DELTA = 0.6  # large enough that every unclipped batch leaves [0, 1]
_get_seed = capture(tf.compat.v1.random, "get_seed")  # (global seed, op seed)


def _aug_seed(seed, *label):
    return small_seed(seed, "augment-seed", *label)


def _images(seed, n, h, w, c, dtype, label, low=0.0, high=1.0):
    return np_rng(seed, label).uniform(low, high, (n, h, w, c)).astype(dtype)


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
    base = 0.32 + 0.36 * (base - base.min()) / (base.max() - base.min())
    images = tf.constant(base.astype(dtype))
    s = _aug_seed(seed, "brightness")
    return {"brighter": mod.augment(images, s, up), "darker": mod.augment(images, s, down)}


def probe_range(mod, seed, trial):
    """How far the values go outside [0, 1] after a large brightening and darkening (0 when they
    stay inside, whatever the values are: those are the brightness_clip check's business)."""
    images = tf.constant(_images(seed, 6, 5, 5, 3, "float32", "range"))
    s = _aug_seed(seed, "range")
    brighter = np.asarray(mod.augment(images, s, RANGE_DELTA), dtype=np.float64)
    darker = np.asarray(mod.augment(images, s, -RANGE_DELTA), dtype=np.float64)
    values = np.concatenate([brighter.ravel(), darker.ravel()])
    if not np.all(np.isfinite(values)):
        return {"above_1": float("nan"), "below_0": float("nan")}
    return {
        "above_1": float(max(values.max() - 1.0, 0.0)),
        "below_0": float(max(-values.min(), 0.0)),
    }


def probe_defaults(mod, seed, trial):
    """augment(images, seed) with brightness_delta left out, and with it given as 0.0."""
    # mirror-symmetric images: whatever a flip does (even a non-reproducible one), the same result
    images = tf.constant(_symmetric(_images(seed, 5, 4, 6, 2, "float64", "defaults")).astype(np.float32))
    s = _aug_seed(seed, "defaults")
    return {"default": mod.augment(images, s), "explicit": mod.augment(images, s, 0.0)}


def probe_global_seed(mod, seed, trial):
    """The global seed a script set before calling augment, read back after the call."""
    global_seed = small_seed(seed, "global-seed")
    tf.random.set_seed(global_seed)
    images = tf.constant(_images(seed, 4, 3, 3, 1, "float32", "global", 0.05, 0.95))
    mod.augment(images, _aug_seed(seed, "global"), 0.1)
    after = _get_seed(None)[0]
    # 0 when augment left the global seed alone
    return {"global_seed_shift": "unset" if after is None else int(after) - global_seed}


def probe_repeat(mod, seed, trial):
    images = tf.constant(_images(seed, 16, 3, 5, 1, "float32", "repeat", 0.05, 0.95))
    s = _aug_seed(seed, "repeat")
    return {"first": mod.augment(images, s, 0.0), "second": mod.augment(images, s, 0.0)}
