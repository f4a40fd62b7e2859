# expect: full
import tensorflow as tf


def augment(images, seed, brightness_delta=0.0):
    decisions = tf.random.stateless_uniform([images.shape[0]], seed=[seed, 0]).numpy()
    result = []
    for i, u in enumerate(decisions):
        image = images[i]
        if u > 0.5:
            image = tf.image.flip_left_right(image)
        result.append(image)
    out = tf.stack(result) + brightness_delta
    return tf.minimum(tf.maximum(out, 0.0), 1.0)
