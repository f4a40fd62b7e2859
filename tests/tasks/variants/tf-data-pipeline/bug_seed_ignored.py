# expect: fail=seeded_order
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    return dataset.shuffle(shuffle_buffer).batch(batch_size)  # seed not passed to shuffle
