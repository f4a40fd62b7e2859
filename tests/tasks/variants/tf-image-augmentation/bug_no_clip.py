# expect: fail=value_range
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    out = tf.image.stateless_random_flip_left_right(images, seed=[seed, 0])
    return tf.image.adjust_brightness(out, brightness_delta)
