# expect: full
import numpy as np
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    if not isinstance(x, tf.Tensor):
        x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)  # views and byte orders are fine too
    pairs = tf.data.Dataset.from_tensor_slices((x, y))
    pairs = pairs.shuffle(buffer_size=int(shuffle_buffer), seed=int(seed))
    return pairs.batch(int(batch_size), drop_remainder=False)
