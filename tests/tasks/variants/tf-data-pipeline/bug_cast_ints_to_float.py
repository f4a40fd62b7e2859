# expect: fail=element_spec
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        x = tf.cast(x, tf.float32)  # "images": integer features become float32
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    return dataset.shuffle(shuffle_buffer, seed=seed).batch(batch_size)
