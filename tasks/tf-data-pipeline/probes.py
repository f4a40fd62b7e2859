import numpy as np
import tensorflow as tf

from grader.harness.kit import sub_seed

# (examples, batch_size, shuffle_buffer, x dtype, x features, y kind, pass tf.Tensors) per trial.
#   trial 0: buffer = N (a full shuffle), a partial last batch; NumPy float32 x, int64 labels.
#   trial 1: buffer < N (a partial shuffle), a partial last batch; tf.Tensors, float64 x, float32 [N, 2] y.
#   trial 2: one batch holding every example; NumPy float32 x, int32 labels.
SETUPS = {
    0: (10, 4, 10, "float32", 3, "int64", False),
    1: (13, 5, 4, "float64", 2, "float32x2", True),
    2: (12, 12, 6, "float32", 4, "int32", False),
}
MAX_BATCHES = 100  # a dataset that never ends (repeat()) is cut here


def _rng(seed, *label):
    return np.random.default_rng(sub_seed(seed, *label))


def _data(seed, trial):
    n, _, _, x_dtype, features, y_kind, _ = SETUPS[trial]
    rng = _rng(seed, "data")
    x = rng.standard_normal((n, features)).astype(x_dtype)
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


def _epoch(ds, x, y):
    tx, ty = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    sizes, order, pairs = [], [], []
    for i, item in enumerate(ds):
        if i >= MAX_BATCHES:
            break
        bx, by = item
        ix, iy = _ids(bx, tx), _ids(by, ty)
        sizes.append(len(ix))
        order.extend(ix)
        pairs.extend([a, b] for a, b in zip(ix, iy))
    return sizes, order, pairs


def _spec(ds):
    spec = getattr(ds, "element_spec", None)
    if isinstance(spec, (tuple, list)) and all(isinstance(s, tf.TensorSpec) for s in spec):
        return [[s.dtype.name, s.shape.rank] for s in spec]
    return type(spec).__name__


def probe_epochs(mod, seed, trial):
    n, batch, buffer, *_, as_tensors = SETUPS[trial]
    x, y = _data(seed, trial)
    if as_tensors:
        x, y = tf.constant(x), tf.constant(y)
    tf.random.set_seed(sub_seed(seed, "global"))  # a script's global seed; make_dataset leaves it alone
    ds = mod.make_dataset(x, y, batch, buffer, sub_seed(seed, "shuffle") % 100_000)
    sizes, order, pairs = _epoch(ds, x, y)
    _, order_2, _ = _epoch(ds, x, y)  # a second pass over the same dataset: the next epoch
    full = (n // batch) * batch
    return {
        "is_dataset": isinstance(ds, tf.data.Dataset),
        "spec": _spec(ds),
        "sizes": sorted(sizes, reverse=True),
        "pairs": sorted(pairs),
        "order": order[:full],  # the examples of the full batches, in the order they come
        "epoch_1": order,
        "epoch_2": order_2,
    }
