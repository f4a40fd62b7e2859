"""Warm-up for pooled sandboxes: import the frameworks and pull in their lazy imports before a
submission arrives, so that a process forked afterwards (or a pre-spawned one) starts hot.

Nothing here reads a task, a reference or a submission: a warmed template holds only library code.
"""

from __future__ import annotations

import importlib
import io

TORCH_DEFAULT_SEED = 67280421310721  # torch's default generator seed in a fresh process


def prepare(imports: list[str], *, tensorflow_ops: bool = False, cuda: bool = False) -> None:
    """Import `imports` and warm them.

    tensorflow_ops: run TensorFlow ops too. Off for a template that forks: TF's runtime threads,
    once started, deadlock the forked children (measured), while import-only forks work.
    cuda: create the CUDA context now. Only for a pre-spawned process that never forks, since a
    process that forks after initialising CUDA leaves its children unable to use it.
    """
    for name in imports:
        importlib.import_module(name)
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
    torch.manual_seed(TORCH_DEFAULT_SEED)


def _tensorflow(*, run_ops: bool) -> None:
    import tensorflow as tf

    keras = tf.keras
    for module in (keras.layers, keras.optimizers, keras.losses, tf.data):
        getattr(module, "__name__", None)
    if run_ops:
        model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(2)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(tf.random.normal((8, 4)), tf.random.normal((8, 2)), epochs=1, verbose=0)
