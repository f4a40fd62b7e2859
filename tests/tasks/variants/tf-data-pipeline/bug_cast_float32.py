# expect: fail=element_spec
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    x = tf.cast(x, tf.float32)  # drops float64 precision
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(shuffle_buffer, seed=seed)
    return dataset.batch(batch_size)
