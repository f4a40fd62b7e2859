# expect: full
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    out = tf.image.stateless_random_flip_left_right(images, seed=(seed, 0))
    out = tf.image.adjust_brightness(out, delta=brightness_delta)
    return tf.clip_by_value(out, clip_value_min=0.0, clip_value_max=1.0)
