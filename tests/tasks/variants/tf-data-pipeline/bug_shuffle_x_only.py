# expect: fail=each_once
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    features = tf.data.Dataset.from_tensor_slices(x).shuffle(shuffle_buffer, seed=seed)
    targets = tf.data.Dataset.from_tensor_slices(y)  # not shuffled with x: pairs are broken
    return tf.data.Dataset.zip((features, targets)).batch(batch_size)
