# expect: fail=flip_values
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    out = tf.image.flip_left_right(images)
    out = tf.image.adjust_brightness(out, brightness_delta)
    return tf.clip_by_value(out, 0.0, 1.0)
