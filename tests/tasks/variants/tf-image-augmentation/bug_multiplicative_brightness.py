# expect: fail=brightness_values
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    out = tf.image.stateless_random_flip_left_right(images, seed=[seed, 0])
    out = out * (1.0 + brightness_delta)  # scales instead of shifting
    return tf.clip_by_value(out, 0.0, 1.0)
