# expect: full
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    features = tf.data.Dataset.from_tensor_slices(x)
    targets = tf.data.Dataset.from_tensor_slices(y)
    ds = tf.data.Dataset.zip((features, targets))
    ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=False)
    return ds.prefetch(tf.data.AUTOTUNE)
