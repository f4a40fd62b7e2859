# expect: fail=each_once,batch_sizes
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(shuffle_buffer, seed=seed)
    return dataset.repeat(2).batch(batch_size)  # two epochs per pass: examples come twice
