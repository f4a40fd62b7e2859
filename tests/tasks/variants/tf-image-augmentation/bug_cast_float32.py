# expect: fail=output_dtype
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    images = tf.cast(images, tf.float32)  # float64 input comes back as float32
    out = tf.image.stateless_random_flip_left_right(images, seed=[seed, 0])
    return tf.clip_by_value(out + brightness_delta, 0.0, 1.0)
