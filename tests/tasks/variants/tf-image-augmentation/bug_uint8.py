# expect: fail=output_dtype,flip_values,brightness_values,value_range
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    out = tf.image.stateless_random_flip_left_right(images, seed=[seed, 0])
    out = tf.clip_by_value(tf.image.adjust_brightness(out, brightness_delta), 0.0, 1.0)
    return tf.image.convert_image_dtype(out, tf.uint8, saturate=True)  # back to 0..255 pixels
