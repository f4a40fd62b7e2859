# expect: full
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    images = tf.convert_to_tensor(images)
    n = tf.shape(images)[0]
    u = tf.random.stateless_uniform([n], seed=tf.constant([seed, 0], tf.int64))
    flip = tf.reshape(u > 0.5, [-1, 1, 1, 1])
    out = tf.where(flip, tf.reverse(images, axis=[2]), images)
    out = out + tf.cast(brightness_delta, images.dtype)
    return tf.clip_by_value(out, tf.constant(0, images.dtype), tf.constant(1, images.dtype))
