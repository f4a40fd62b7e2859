# expect: fail=seeded_order,reshuffle
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=False)  # same order every epoch
    return dataset.batch(batch_size)
