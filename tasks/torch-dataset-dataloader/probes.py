"""Probes for torch-dataset-dataloader.

Features carry each sample's index in column 0, so the order a loader yields samples in can be
read from the batches. Data arrive as NumPy arrays (trial 0), Python lists (trial 1) or torch
tensors (trial 2). The NumPy dtypes and memory layouts the statement allows are observed apart
(probe_numpy_dtypes, probe_numpy_layouts): the candidate's items from those arrays next to its own
items from the same values in plain float64 / int64 C-ordered arrays. Shuffling is judged by its
properties (every sample once per epoch, a new permutation each epoch, the same sequence for the
same seed, another for another seed), so any way of shuffling with a dedicated, seeded
torch.Generator passes.
"""

import numpy as np
import torch

from grader.harness.kit import capture, generator, sub_seed
from grader.harness.kit import type_name as _type_name

FEATURES, CLASSES = 3, 5
ITEMS_N = {0: 9, 1: 6, 2: 11}
# trial -> (samples, batch size): partial last batches, and a batch larger than the dataset
BATCHES = {0: (10, 4), 1: (12, 5), 2: (10, 16)}
SHUFFLE = {0: (10, 4), 1: (13, 5), 2: (11, 1)}

_isinstance, _int, _list, _str = isinstance, int, list, str
_np_array = capture(np, "array")
_np_float64, _np_int64 = np.float64, np.int64


def _data(seed, trial, n, label):
    """Features [n, F] (column 0 = sample index) and int labels, in this trial's container kind."""
    g = generator(seed, label)
    feats = torch.randn(n, FEATURES, generator=g, dtype=torch.float64)
    feats[:, 0] = torch.arange(n, dtype=torch.float64)
    labels = torch.randint(0, CLASSES, (n,), generator=g)
    if trial == 0:
        return feats.numpy(), labels.numpy()
    if trial == 1:
        return feats.tolist(), [_int(v) for v in labels.tolist()]
    return feats, labels


def _describe(v):
    return {
        "type": _type_name(v),
        "dtype": _str(getattr(v, "dtype", None)),
        "shape": [_int(s) for s in getattr(v, "shape", [])] if hasattr(v, "shape") else None,
    }


def _as_float64(v):
    return torch.as_tensor(np.asarray(v, dtype=np.float64) if not _isinstance(v, torch.Tensor) else v).to(torch.float64)


def probe_items(mod, seed, trial):
    n = ITEMS_N[trial]
    features, labels = _data(seed, trial, n, "items")
    ds = mod.PairDataset(features, labels)
    types, values, containers = [], [], []
    for idx in (0, n - 1, n // 2):
        item = ds[idx]
        containers.append(_type_name(item))
        x, y = item
        types.append({"x": _describe(x), "y": _describe(y)})
        values.append({"x": _as_float64(x), "y": _as_float64(y)})
    return {"len": len(ds), "types": types, "values": values, "containers": containers}


def _items(ds, n):
    """Every item of a dataset, as returned: [type of x, x, type of y, y] per item."""
    out = []
    for idx in range(n):
        x, y = ds[idx]
        out.append([_type_name(x), x, _type_name(y), y])
    return out


def _plain(features, labels):
    """The same values as float64 / int64 C-ordered, native-byte-order arrays."""
    return _np_array(features, dtype=_np_float64), _np_array(labels, dtype=_np_int64)


# trial -> cases (features dtype, labels dtype, samples): the NumPy dtypes the statement allows.
NUMPY_DTYPES = {
    0: [("float32", "int32", 7), ("float64", "int16", 4)],
    1: [("float16", "uint8", 5)],
    2: [("float64", "int8", 1), ("float32", "int64", 3)],
}


def probe_numpy_dtypes(mod, seed, trial):
    special, plain = [], []
    for case, (fdtype, ldtype, n) in enumerate(NUMPY_DTYPES[trial]):
        feats, labels = _data(seed, 0, n, f"numpy-dtypes-{case}")
        feats, labels = feats.astype(fdtype), labels.astype(ldtype)
        special.append(_items(mod.PairDataset(feats, labels), n))
        plain.append(_items(mod.PairDataset(*_plain(feats, labels)), n))
    return {"items": special, "items_from_plain_arrays": plain}


def _layout(seed, trial, n):
    """float64 features and int64 labels holding sample order, in trial's memory layout."""
    feats, labels = _data(seed, 0, n, "numpy-layouts")
    if trial == 0:  # reversed views (negative strides), of the rows and the columns
        feats = feats[::-1, ::-1].copy()[::-1, ::-1]
        labels = labels[::-1].copy()[::-1]
    elif trial == 1:  # Fortran order, and labels taken as a strided column of a 2-D array
        feats = np.asfortranarray(feats)
        labels = np.stack([labels, labels + 1], axis=1)[:, 0]
    else:  # non-native byte order
        feats = feats.astype(feats.dtype.newbyteorder())
        labels = labels.astype(labels.dtype.newbyteorder())
    return feats, labels


def probe_numpy_layouts(mod, seed, trial):
    n = 6 + trial
    feats, labels = _layout(seed, trial, n)
    special = _items(mod.PairDataset(feats, labels), n)
    plain = _items(mod.PairDataset(*_plain(feats, labels)), n)
    return {"items": special, "items_from_plain_arrays": plain}


class CountingTransform:
    """Like a random augmentation, each call gives a different result: 2 * x + (call number)."""

    def __init__(self):
        self.calls = []

    def __call__(self, t):
        self.calls.append(_describe(t))
        return t * 2.0 + len(self.calls)


def probe_transform(mod, seed, trial):
    n = ITEMS_N[trial]
    features, labels = _data(seed, trial, n, "transform")
    transform = CountingTransform()
    ds = mod.PairDataset(features, labels, transform=transform)
    items = []
    for idx in (2, 0, 2, n - 1):  # index 2 twice: a new transform call each time
        x, y = ds[idx]
        items.append({"x": x, "y": _as_float64(y)})  # the label's dtype is graded elsewhere
    return {"calls": transform.calls, "items": items}


def _batches(loader):
    return [[x, y] for x, y in loader]


def probe_batches(mod, seed, trial):
    n, batch = BATCHES[trial]
    features, labels = _data(seed, trial, n, "batches")
    ds = mod.PairDataset(features, labels)
    loader = mod.make_loader(ds, batch, False, sub_seed(seed, "loader"))
    return {"batches": _batches(loader), "second_epoch": _batches(loader)}


def _epoch(loader):
    """The sample indices in the order one pass yields them, and the batch sizes."""
    order, sizes = [], []
    for x, _ in loader:
        # column 0 holds the sample index; items returned as lists collate to a list of columns
        col = x[0] if _isinstance(x, (list, tuple)) else torch.as_tensor(x)[:, 0]
        ids = torch.as_tensor(col).round().to(torch.int64).tolist()
        order.extend(ids)
        sizes.append(len(ids))
    return order, sizes


def probe_shuffle(mod, seed, trial):
    n, batch = SHUFFLE[trial]
    features, labels = _data(seed, trial, n, "shuffle")
    ds = mod.PairDataset(features, labels)
    s = sub_seed(seed, "loader-seed")
    torch.manual_seed(sub_seed(seed, "global"))

    a = mod.make_loader(ds, batch, True, s)
    torch.rand(1)  # the program uses the global RNG between building the loader and iterating
    (a1, sizes1), (a2, sizes2) = _epoch(a), _epoch(a)

    b = mod.make_loader(ds, batch, True, s)
    torch.rand(3)
    b1, b2 = _epoch(b)[0], _epoch(b)[0]

    c = mod.make_loader(ds, batch, True, s + 1)
    c1, c2 = _epoch(c)[0], _epoch(c)[0]
    return {
        "epochs": [{"sorted_ids": sorted(a1), "sizes": sizes1}, {"sorted_ids": sorted(a2), "sizes": sizes2}],
        "dataset_order": _list(range(n)),
        "orders_a": [a1, a2],
        "orders_b": [b1, b2],
        "orders_other_seed": [c1, c2],
    }
