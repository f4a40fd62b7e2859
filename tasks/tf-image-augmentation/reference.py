import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    # On the whole 4-D batch this draws tf.random.stateless_uniform([N], seed) and flips image i
    # iff its number is above 0.5.
    out = tf.image.stateless_random_flip_left_right(images, seed=[seed, 0])
    out = tf.image.adjust_brightness(out, brightness_delta)
    return tf.clip_by_value(out, 0.0, 1.0)
