# expect: fail=seeded_order,reshuffle
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)  # never shuffled
