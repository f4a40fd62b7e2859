# expect: fail=flip_values,reproducible
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    out = tf.image.random_flip_left_right(images)
    out = tf.image.adjust_brightness(out, brightness_delta)
    return tf.clip_by_value(out, 0.0, 1.0)
