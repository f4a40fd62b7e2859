# expect: full
import tensorflow as tf


@tf.function
def _augment(images, seed, delta):
    u = tf.random.stateless_uniform(tf.shape(images)[:1], seed=tf.stack([seed, 0]), minval=0.0, maxval=1.0)
    f = tf.cast(tf.round(u), images.dtype)[:, None, None, None]  # 1.0 iff u > 0.5
    mirrored = images[:, :, ::-1, :]
    out = f * mirrored + (1.0 - f) * images + tf.cast(delta, images.dtype)
    return tf.clip_by_value(out, 0.0, 1.0)


def augment(images, seed, brightness_delta=0.0):
    return _augment(images, tf.constant(seed, tf.int64), tf.constant(brightness_delta, tf.float64))
