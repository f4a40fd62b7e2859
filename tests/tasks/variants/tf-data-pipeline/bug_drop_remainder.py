# expect: fail=batch_sizes
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(shuffle_buffer, seed=seed)
    return dataset.batch(batch_size, drop_remainder=True)  # loses the last examples every epoch
