"""Run the `grader` command as a user does."""

from __future__ import annotations

import os
import subprocess
import sys


def grader(*args, env_extra=None, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env, timeout=300, **kw
    )
