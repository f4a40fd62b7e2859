"""`grader bench` runs end to end (figures are recorded in docs/performance.md, never asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from grader.batch.bench import percentile, table_rows


def test_percentile_interpolates():
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([1.0, 2.0], 0.5) == 1.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.95) == pytest.approx(4.8)


@pytest.mark.slow
def test_bench_command_grades_every_path_it_runs_and_reports_json(tmp_path):
    env = {**os.environ, "GRADER_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "bench",
            "--n",
            "2",
            "--naive-n",
            "1",
            "--jobs",
            "1",
            "--skip",
            "celery,docker,gpu",
            "--json",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert set(result["paths"]) == {"naive", "local"}
    for per_task in result["paths"].values():
        assert set(per_task) == {"torch-train-step", "tf-train-step"}
        for m in per_task.values():
            # every submission graded (a broken path would show other statuses), real timings
            assert set(m["statuses"]) == {"graded"}
            assert 0 < m["latency_p50_ms"] <= m["latency_p95_ms"]
            assert m["throughput_per_s"] > 0 and m["peak_pss_mb"] > 0
    assert set(result["ratios_vs_naive"]["local"]) == {"torch-train-step", "tf-train-step"}
    assert len(table_rows(result)) == 4


def test_bench_rejects_unknown_paths():
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "bench", "--skip", "warp"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and "unknown path(s) warp" in proc.stderr
