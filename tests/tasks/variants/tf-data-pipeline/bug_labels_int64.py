# expect: fail=element_spec
import numpy as np
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    y = np.asarray(y)
    if y.dtype == np.int32:  # labels as int64, as Keras losses like them (a big-endian int32 too)
        y = y.astype(np.int64)
    elif y.dtype.kind in "iu" and y.dtype != np.int64:
        y = y.astype(np.int64)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    return dataset.shuffle(shuffle_buffer, seed=seed).batch(batch_size)
