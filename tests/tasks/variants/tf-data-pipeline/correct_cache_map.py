# expect: full
import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE


def make_dataset(x, y, batch_size, shuffle_buffer, seed):
    return (
        tf.data.Dataset.from_tensor_slices((x, y))
        .cache()
        .shuffle(buffer_size=shuffle_buffer, seed=seed)
        .map(lambda features, target: (features, target), num_parallel_calls=AUTOTUNE)
        .batch(batch_size, num_parallel_calls=AUTOTUNE, deterministic=True)
        .prefetch(2)
    )
