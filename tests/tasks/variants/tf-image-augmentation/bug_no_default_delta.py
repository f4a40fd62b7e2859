# expect: fail=default_delta
import tensorflow as tf


def augment(images, seed, brightness_delta=0.1):  # the contract's default is 0.0
    out = tf.image.stateless_random_flip_left_right(images, seed=[seed, 0])
    return tf.clip_by_value(tf.image.adjust_brightness(out, brightness_delta), 0.0, 1.0)
