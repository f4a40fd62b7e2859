"""The skeleton `grader new-task` writes: a small working task per framework (a function
`scale(x, factor)`), its rubric and two variants, ready for `grader selfcheck`. Authors replace
every file's contents; the shapes (a probe per behaviour, one bug per check) are what to keep."""

from __future__ import annotations

FRAMEWORKS = ("torch", "tensorflow", "numpy")

# name shown in the statement, the array type, how the statement's example builds an input
_WORDS = {
    "torch": ("PyTorch", "torch.Tensor", "torch.tensor([[1.0, 2.0]])", "import torch\n\n\n"),
    "tensorflow": ("TensorFlow", "tf.Tensor", "tf.constant([[1.0, 2.0]])", "import tensorflow as tf\n\n\n"),
    "numpy": ("NumPy", "np.ndarray", "np.array([[1.0, 2.0]])", "import numpy as np\n\n\n"),
}
_LIMITS = {"torch": (60, 1536), "tensorflow": (120, 3072), "numpy": (60, 1024)}

TASK_TOML = """\
id = "{{id}}"
version = "1"
title = "Scale {{array}} values by a factor (skeleton: rewrite me)"
framework = "{{framework}}"
difficulty = "easy"
minutes = 5
needs_gpu = "never"
tags = ["skeleton"]
seeds = ["TODO: the seed document this task is drawn from (shared/seeds)"]

[limits]
timeout_s = {{timeout_s}}
memory_mb = {{memory_mb}}
"""

STATEMENT = """\
# Scale values by a factor

Write a {{name}} function that multiplies every value of an input by a number.

## Contract

```python
{{import}}def scale(x: {{array}}, factor: float) -> {{array}}: ...
```

- `x` is a floating-point {{array}} of any shape (float32 or float64).
- `scale` returns a new {{array}} of `x`'s shape and dtype holding `x * factor`.
{{unchanged}}
## Example

```python
scale({{example}}, 3.0)  # [[3.0, 6.0]]
```

## What is graded

The shape, dtype and values of the result on hidden inputs of several shapes and dtypes{{graded}}.
"""

STARTER = """\
{{import}}def scale(x, factor):
    # TODO: return x multiplied by factor
    raise NotImplementedError
"""

REFERENCE = """\
{{import}}def scale(x, factor):
    return x * factor
"""

CORRECT = """\
# expect: full
{{import}}def scale(x, factor):
    return factor * x
"""

BUGGY = """\
# expect: fail=output_values
{{import}}def scale(x, factor):
    return x + factor  # adds instead of multiplying: right shape and dtype, wrong values
"""

_PROBES = {
    "torch": '''\
"""Probes for {{id}}: observe what scale() returns and what it leaves in the caller's input."""

import torch

from grader.harness.kit import prepare, randn, snapshot, sub_seed

prepare()  # the kit's snapshot uses torch methods captured now, before the candidate's import

# trial -> (shape, dtype): a batch of one, float64, a 3-d input
CASES = {0: ((1, 4), torch.float32), 1: ((5, 3), torch.float64), 2: ((2, 3, 4), torch.float32)}


def probe_scale(mod, seed, trial):
    shape, dtype = CASES[trial]
    x = randn(seed, *shape, dtype=dtype, label="x")
    factor = round(1.0 + sub_seed(seed, "factor") % 1000 / 100.0, 2)
    out = mod.scale(x, factor)
    return {"out": out, "input_after": snapshot(x)}
''',
    "numpy": '''\
"""Probes for {{id}}: observe what scale() returns and what it leaves in the caller's input."""

import numpy as np

from grader.harness.kit import capture, np_rng, sub_seed

_COPY = capture(np.ndarray, "copy")  # the original, whatever the candidate patches later

# trial -> (shape, dtype): a batch of one, float32, a 3-d input
CASES = {0: ((1, 4), "float64"), 1: ((5, 3), "float32"), 2: ((2, 3, 4), "float64")}


def probe_scale(mod, seed, trial):
    shape, dtype = CASES[trial]
    x = np_rng(seed, "x").standard_normal(shape).astype(dtype)
    factor = round(1.0 + sub_seed(seed, "factor") % 1000 / 100.0, 2)
    out = mod.scale(x, factor)
    return {"out": out, "input_after": _COPY(x)}
''',
    "tensorflow": '''\
"""Probes for {{id}}: observe what scale() returns."""

import tensorflow as tf

from grader.harness.kit import np_rng, sub_seed

# trial -> (shape, dtype): a batch of one, float64, a 3-d input
CASES = {0: ((1, 4), "float32"), 1: ((5, 3), "float64"), 2: ((2, 3, 4), "float32")}


def probe_scale(mod, seed, trial):
    shape, dtype = CASES[trial]
    x = tf.constant(np_rng(seed, "x").standard_normal(shape).astype(dtype))
    factor = round(1.0 + sub_seed(seed, "factor") % 1000 / 100.0, 2)
    return {"out": mod.scale(x, factor)}
''',
}

RUBRIC = """\
task = "{{id}}"
trials = 3

[[checks]]
id = "output_shape"
title = "scale returns the input's shape"
points = 1
public = true
probe = "scale"
field = "out"
aspect = "shape"
feedback = "Return a {{array}} of the same shape as x."

[[checks]]
id = "output_dtype"
title = "scale returns the input's dtype (float32 in, float32 out; float64 in, float64 out)"
points = 1
public = true
probe = "scale"
field = "out"
aspect = "dtype"
feedback = "Do not cast: the result has x's dtype."

[[checks]]
id = "output_values"
title = "scale returns x * factor"
points = 2
hidden = true
probe = "scale"
field = "out"
compare = "allclose"
feedback = "Every value of the result is the input's value times factor."
"""

UNCHANGED_CHECK = """
[[checks]]
id = "input_unchanged"
title = "The caller's x is left unchanged"
points = 1
probe = "scale"
field = "input_after"
compare = "exact"
feedback = "Return a new {{array}}: do not multiply x in place."
"""


def render(task_id: str, framework: str) -> dict[str, str]:
    """{relative path: text}: tasks/<id>/*, rubrics/<id>.toml, variants/<id>/*.py."""
    name, array, example, imports = _WORDS[framework]
    mutable = framework != "tensorflow"  # a tf.Tensor cannot be changed in place
    timeout_s, memory_mb = _LIMITS[framework]
    values = {
        "id": task_id,
        "framework": framework,
        "name": name,
        "array": array,
        "example": example,
        "import": imports,
        "timeout_s": str(timeout_s),
        "memory_mb": str(memory_mb),
        "unchanged": "- `x` itself is left unchanged.\n" if mutable else "",
        "graded": ", and that the input is left unchanged" if mutable else "",
    }

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        return text

    return {
        f"tasks/{task_id}/task.toml": fill(TASK_TOML),
        f"tasks/{task_id}/statement.md": fill(STATEMENT),
        f"tasks/{task_id}/starter.py": fill(STARTER),
        f"tasks/{task_id}/reference.py": fill(REFERENCE),
        f"tasks/{task_id}/probes.py": fill(_PROBES[framework]),
        f"rubrics/{task_id}.toml": fill(RUBRIC + (UNCHANGED_CHECK if mutable else "")),
        f"variants/{task_id}/correct_factor_first.py": fill(CORRECT),
        f"variants/{task_id}/bug_adds.py": fill(BUGGY),
    }
