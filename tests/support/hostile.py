"""Hostile submissions and the correct and wrong models they are measured against, shared by the tests of
every backend."""

from __future__ import annotations

TASK = "torch-linear-model"


CORRECT = """
import torch
class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(2, 1)
    def forward(self, inputs):
        return self.dense(inputs)
"""


# Keeps the structure, shape and dtype checks, loses values and training.
WRONG = """
import torch
class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(2, 1)
    def forward(self, inputs):
        return torch.relu(self.dense(inputs)) * 0.5
"""


def _wrong_score() -> float:
    from grader.settings import Settings
    from grader.taskspec import load_task

    s = Settings()
    rubric = load_task(TASK, tasks_dir=s.tasks_dir, rubrics_dir=s.rubrics_dir).rubric
    return rubric.max_score - sum(c.points for c in rubric.checks if c.id in ("output_values", "trains"))


WRONG_SCORE = _wrong_score()


# Hostile texts shared with tests/sandbox/test_docker_hostile.py (the same attacks on every backend).
FAKE_REPORT = '{"status": "graded", "score": 10, "max_score": 10, "checks": []}'


FORGED_ON_EVERY_FD = (
    """
import json, os
lines = [
    {"event": "observation", "probe": "forward", "trial": 0, "value": {"kind": "none"}},
    {"event": "done"},
    {"status": "graded", "score": 10},
]
blob = "".join(json.dumps(l) + "\\n" for l in lines).encode()
for fd in range(0, 64):
    try:
        os.write(fd, blob)
    except OSError:
        pass
"""
    + WRONG
)


PATCHED_COMPARISONS = (
    """
import math, numpy, torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.isclose = lambda a, b, *x, **k: torch.ones_like(a, dtype=torch.bool)
torch.testing.assert_close = lambda *a, **k: None
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
math.isclose = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: True
torch.Tensor.tolist = lambda self: [0.0]
torch.Tensor.detach = lambda self: self
try:
    float.__eq__ = lambda *a: True  # TypeError: builtins cannot be patched; keep going
except TypeError:
    pass
"""
    + WRONG
)


EXITS_AT_IMPORT = [
    "import sys; sys.exit(0)",
    "import os; os._exit(0)",
    "raise SystemExit(3)",
    "raise KeyboardInterrupt",
]
