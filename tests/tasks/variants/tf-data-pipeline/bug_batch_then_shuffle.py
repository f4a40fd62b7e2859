# expect: fail=seeded_order,reshuffle
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    return dataset.batch(batch_size).shuffle(shuffle_buffer, seed=seed)  # shuffles whole batches only
