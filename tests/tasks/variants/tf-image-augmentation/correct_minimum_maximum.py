# expect: full
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    u = tf.random.stateless_uniform([tf.shape(images)[0]], seed=[seed, 0])
    flip = tf.reshape(u > 0.5, [-1, 1, 1, 1])
    out = tf.where(flip, tf.reverse(images, axis=[2]), images)
    out = out + tf.cast(brightness_delta, images.dtype)
    return tf.minimum(tf.maximum(out, tf.zeros_like(out)), tf.ones_like(out))
