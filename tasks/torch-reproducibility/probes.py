import os
import random

import numpy as np
import torch

from grader.harness.kit import capture, generator, sub_seed

# Captured when the probes load, before the candidate's module is imported.
_ENV = os.environ
_DET_ENABLED, _DET_WARN_ONLY, _USE_DET = capture(
    torch,
    "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
    "use_deterministic_algorithms",
)
_CUDNN_DET, _CUDNN_BENCH, _SET_CUDNN_DET, _SET_CUDNN_BENCH = capture(
    torch._C, "_get_cudnn_deterministic", "_get_cudnn_benchmark", "_set_cudnn_deterministic", "_set_cudnn_benchmark"
)
_PY_RANDOM, _PY_SEED = capture(random, "random", "seed")
_NP_SEED, _NP_RAND = capture(np.random, "seed", "rand")
_T_SEED, _T_RAND = capture(torch, "manual_seed", "rand")


def _seed_for(seed, trial):
    """trial 0: seed 0; trial 1: the largest seed NumPy accepts; later trials: varied."""
    if trial == 0:
        return 0
    if trial == 1:
        return 2**32 - 1
    return sub_seed(seed, "seed_everything")


def _scramble(seed, label):
    """Put every generator and flag in a state seed_everything has to override."""
    s = sub_seed(seed, "scramble", label)
    _PY_SEED(s)
    _NP_SEED(s)
    _T_SEED(s)
    _PY_RANDOM(), _NP_RAND(3), _T_RAND(3)
    _USE_DET(False)
    _SET_CUDNN_DET(False)
    _SET_CUDNN_BENCH(True)
    _ENV.pop("PYTHONHASHSEED", None)


def _draws(seed, trial):
    return {
        "python": [random.random(), random.random(), random.randint(0, 10**6), random.gauss(0.0, 1.0)],
        "numpy": [np.random.rand(3), np.random.randint(0, 10**6, size=3), np.random.randn(2)],
        "torch": _torch_draws(seed, trial),
    }


def _torch_draws(seed, trial):
    draws = [torch.rand(3), torch.randint(0, 10**6, (3,)), torch.randn(2, 2)]
    return draws + [_torch_training(seed, trial)]


def probe_draws(mod, seed, trial):
    """Seed, draw from each library; scramble, seed again with the same value, draw again."""
    s = _seed_for(seed, trial)
    _scramble(seed, "a")
    mod.seed_everything(s)
    first = _draws(seed, trial)
    _scramble(seed, "b")
    mod.seed_everything(s)
    second = _draws(seed, trial)
    _USE_DET(False)
    return {lib: {"first": first[lib], "second": second[lib]} for lib in first}


def probe_flags(mod, seed, trial):
    s = _seed_for(seed, trial)
    _scramble(seed, "flags")
    mod.seed_everything(s)
    return {
        "deterministic_algorithms": {"enabled": bool(_DET_ENABLED()), "warn_only": bool(_DET_WARN_ONLY())},
        "cudnn": {"deterministic": bool(_CUDNN_DET()), "benchmark": bool(_CUDNN_BENCH())},
        "pythonhashseed": _ENV.get("PYTHONHASHSEED"),
    }


def _torch_training(seed, trial):
    """A tiny run whose randomness all comes from torch's default generator: weight init,
    DataLoader shuffling and dropout. Its trained weights are part of the torch draws."""
    g = generator(seed, "data", trial)
    x = torch.randn(32, 4, generator=g)
    y = x @ torch.randn(4, 1, generator=g) + 0.1 * torch.randn(32, 1, generator=g)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Dropout(0.25), torch.nn.Linear(8, 1))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8, shuffle=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    model.train()
    for _ in range(2):
        for xb, yb in loader:
            opt.zero_grad()
            loss = ((model(xb) - yb) ** 2).mean()
            loss.backward()
            opt.step()
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])
