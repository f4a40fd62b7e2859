import numpy as np
import tensorflow as tf

from grader.harness.kit import np_rng, small_seed, sub_seed, type_name

# (examples, batch_size, shuffle_buffer, x dtype, x features, y kind, how x and y are passed) per trial.
#   trial 0: buffer = N (a full shuffle), a partial last batch; float32 x and int64 labels as
#            reversed NumPy views (negative strides).
#   trial 1: buffer < N (a partial shuffle), a partial last batch; tf.Tensors, float64 x, float32 [N, 2] y.
#   trial 2: one batch holding every example; NumPy uint8 x, big-endian int32 labels.
SETUPS = {
    0: (10, 4, 10, "float32", 3, "int64", "reversed"),
    1: (13, 5, 4, "float64", 2, "float32x2", "tensor"),
    2: (12, 12, 6, "uint8", 4, ">i4", "numpy"),
}
MAX_BATCHES = 100  # a dataset that never ends (repeat()) is cut here


def _data(seed, trial):
    n, _, _, x_dtype, features, y_kind, _ = SETUPS[trial]
    rng = np_rng(seed, "data")
    if np.dtype(x_dtype).kind == "f":
        x = rng.standard_normal((n, features)).astype(x_dtype)
    else:
        x = rng.integers(0, 256, (n, features)).astype(x_dtype)
        x[:, 0] = rng.permutation(n)  # distinct rows
    if y_kind == "float32x2":
        y = rng.standard_normal((n, 2)).astype("float32")
    else:
        y = rng.choice(1000, size=n, replace=False).astype(y_kind)  # distinct labels
    return x, y


def _ids(batch, table):
    """Which example each row of a batch is: the nearest row of the original array."""
    b = np.asarray(batch, dtype=np.float64)
    b = b.reshape(b.shape[0], -1) if b.ndim else b.reshape(1, 1)
    t = table.reshape(table.shape[0], -1)
    if b.shape[1] != t.shape[1]:
        return [-1] * b.shape[0]
    return [int(np.argmin(np.abs(t - row).sum(axis=1))) for row in b]


def _component(a):
    """[dtype name, rank] of one part of a batch (a tf.Tensor or anything NumPy can read)."""
    if isinstance(a, tf.Tensor):
        return [a.dtype.name, a.shape.rank]
    a = np.asarray(a)
    return [a.dtype.name, a.ndim]


def _structure(item):
    """The container type of one element and its parts' dtypes and ranks."""
    if isinstance(item, (tuple, list)):
        return [type_name(item), [_component(a) for a in item]]
    if isinstance(item, dict):
        return [type_name(item), sorted(item)]
    return [type_name(item)]


def _epoch(ds, x, y):
    tx, ty = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    sizes, order, pairs, first = [], [], [], None
    for i, item in enumerate(ds):
        if i >= MAX_BATCHES:
            break
        if first is None:
            first = _structure(item)
        bx, by = item
        ix, iy = _ids(bx, tx), _ids(by, ty)
        sizes.append(len(ix))
        order.extend(ix)
        pairs.extend([a, b] for a, b in zip(ix, iy))
    return sizes, order, pairs, first


def probe_epochs(mod, seed, trial):
    n, batch, buffer, *_, passed_as = SETUPS[trial]
    x, y = _data(seed, trial)
    if passed_as == "tensor":
        x, y = tf.constant(x), tf.constant(y)
    elif passed_as == "reversed":
        x, y = x[::-1], y[::-1]
    tf.random.set_seed(sub_seed(seed, "global"))  # a script's global seed; make_dataset leaves it alone
    ds = mod.make_dataset(x, y, batch, buffer, small_seed(seed, "shuffle"))
    is_dataset = isinstance(ds, tf.data.Dataset)
    sizes, order, pairs, first = _epoch(ds, x, y)
    _, order_2, _, _ = _epoch(ds, x, y)  # a second pass over the same dataset: the next epoch
    full = (n // batch) * batch
    return {
        "is_dataset": is_dataset,
        # what the elements are, as iterated (a returned list of batches is judged by returns_dataset)
        "element": first,
        "sizes": sorted(sizes, reverse=True),
        # with the right batch sizes (batch_sizes) and no repeats, every example comes exactly once
        "pairing": {
            "mispaired": sum(1 for a, b in pairs if a != b),
            "repeated": len(order) - len(set(order)),
        },
        "order": order[:full],  # the examples of the full batches, in the order they come
        "epoch_1": order,
        "epoch_2": order_2,
    }
