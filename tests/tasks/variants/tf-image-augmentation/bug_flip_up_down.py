# expect: fail=flip_values
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    out = tf.image.stateless_random_flip_up_down(images, seed=[seed, 0])
    out = tf.image.adjust_brightness(out, brightness_delta)
    return tf.clip_by_value(out, 0.0, 1.0)
