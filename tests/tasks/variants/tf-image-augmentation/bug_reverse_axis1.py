# expect: fail=flip_values
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    u = tf.random.stateless_uniform([tf.shape(images)[0]], seed=[seed, 0])
    out = tf.where((u > 0.5)[:, None, None, None], tf.reverse(images, axis=[1]), images)
    return tf.clip_by_value(out + brightness_delta, 0.0, 1.0)
