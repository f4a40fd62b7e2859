# expect: fail=global_seed_kept
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    tf.random.set_seed(seed)  # "for reproducibility": resets the caller's global seed
    out = tf.image.stateless_random_flip_left_right(images, seed=[seed, 0])
    return tf.clip_by_value(tf.image.adjust_brightness(out, brightness_delta), 0.0, 1.0)
