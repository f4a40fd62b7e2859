# expect: fail=returns_dataset,reshuffle
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(shuffle_buffer, seed=seed).batch(batch_size)
    return list(dataset.as_numpy_iterator())  # one fixed epoch, materialised
