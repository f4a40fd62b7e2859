# expect: full
import tensorflow as tf


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    """Shuffle indices, batch them, then gather the examples of each batch."""
    x = tf.convert_to_tensor(x)
    y = tf.convert_to_tensor(y)
    n = int(x.shape[0])
    indices = tf.data.Dataset.range(n).shuffle(buffer_size=shuffle_buffer, seed=seed)
    return indices.batch(batch_size).map(lambda idx: (tf.gather(x, idx), tf.gather(y, idx)))
