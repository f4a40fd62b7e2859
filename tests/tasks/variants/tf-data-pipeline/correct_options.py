# expect: full
import numpy as np
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    x = np.asarray(x)
    y = np.asarray(y)
    assert len(x) == len(y), "x and y must hold the same number of examples"
    options = tf.data.Options()
    options.deterministic = True
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).with_options(options)
    dataset = dataset.shuffle(buffer_size=shuffle_buffer, seed=seed, reshuffle_each_iteration=None)
    return dataset.batch(batch_size=batch_size)
