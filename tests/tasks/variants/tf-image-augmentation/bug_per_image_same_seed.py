# expect: fail=flip_values
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    flipped = [tf.image.stateless_random_flip_left_right(images[i], seed=[seed, 0]) for i in range(images.shape[0])]
    out = tf.image.adjust_brightness(tf.stack(flipped), brightness_delta)
    return tf.clip_by_value(out, 0.0, 1.0)
