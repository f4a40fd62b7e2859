"""scripts/load.py, small: 40 submissions from 8 concurrent clients to `grader serve` in broker mode
with Redis and 2 `grader worker` processes. Behaviour, not timing: none lost, none graded twice."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.support.service import ROOT, service_env


@pytest.mark.slow
@pytest.mark.redis
def test_load_40_submissions_from_8_clients_none_lost_none_graded_twice(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load.py"), "--start", "--submissions", "40", "--clients", "8"],
        env=service_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert result["accepted"] == result["completed"] == result["rows"] == 40, result
    assert result["lost"] == 0 and result["graded_twice"] == 0, result
    assert result["attempts"] == {"1": 40}, result
    assert result["report_saving_jobs"] == 40, result
    # the workload's mix: two tasks, each its reference (full marks) and its starter
    assert len(result["scores"]) >= 4, result
