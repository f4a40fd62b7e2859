"""Warm-up for pooled sandboxes: import the frameworks and pull in their lazy imports before a
submission arrives, so that a process forked afterwards (or a pre-spawned one) starts hot.

Nothing here reads a task, a reference or a submission: a warmed template holds only library code.
"""

from __future__ import annotations

import importlib
import io

# What importing the frameworks left in a template, for its forked sandboxes to restore after
# the warm-up has run (grader/sandbox/launcher.py): environment variables the imports set and
# the warnings filters as they stood right after the imports.
IMPORT_STATE: dict = {}


def prepare(imports: list[str], *, tensorflow_ops: bool = False, cuda: bool = False) -> None:
    """Import `imports` and warm them.

    tensorflow_ops: run TensorFlow ops too. Off for a template that forks: TF's runtime threads,
    once started, deadlock the forked children (measured), while import-only forks work.
    cuda: create the CUDA context now. Only for a pre-spawned process that never forks, since a
    process that forks after initialising CUDA leaves its children unable to use it.
    """
    import os
    import warnings

    before = dict(os.environ)
    for name in imports:
        importlib.import_module(name)
    IMPORT_STATE["environ"] = {k: v for k, v in os.environ.items() if before.get(k) != v}
    IMPORT_STATE["warnings"] = list(warnings.filters)
    if "torch" in imports:
        _torch(cuda=cuda)
    if "tensorflow" in imports:
        _tensorflow(run_ops=tensorflow_ops)


def _torch(*, cuda: bool) -> None:
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
    for opt in (torch.optim.Adam(model.parameters(), 1e-3), torch.optim.SGD(model.parameters(), 0.1, momentum=0.9)):
        for xb, yb in DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb) + F.mse_loss(model(xb).sum(1), yb.float())
            loss.backward()
            opt.step()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        model(x)
    torch.nn.Conv2d(1, 2, 3)(torch.randn(1, 1, 5, 5))
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    model.load_state_dict(torch.load(buf, map_location="cpu"))
    if cuda:
        (torch.ones(2, 2, device="cuda") @ torch.ones(2, 2, device="cuda")).sum().item()
    torch.seed()  # as a fresh process: seeded from the OS, not by the warm-up


def _tensorflow(*, run_ops: bool) -> None:
    import tensorflow as tf

    keras = tf.keras
    for module in (keras.layers, keras.optimizers, keras.losses, tf.data):
        getattr(module, "__name__", None)
    if run_ops:
        model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(2)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(tf.random.normal((8, 4)), tf.random.normal((8, 2)), epochs=1, verbose=0)
