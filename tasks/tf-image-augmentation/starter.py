import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    """Random left-right flips (reproducible from `seed`), a brightness shift, values kept in [0, 1]."""
    # The article's version: flips every image, ignores the seed and the brightness.
    flipped_images = tf.image.flip_left_right(images)
    # TODO
    return flipped_images
