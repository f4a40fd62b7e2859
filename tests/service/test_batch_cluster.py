"""`grader batch` through the Celery cluster: a real Redis, a real `grader worker`, the real CLI."""

from __future__ import annotations

import csv
import json
import subprocess

import pytest

from tests.support.service import FULL, REFERENCE, STARTER, grader_cmd, redis_server, service_env, start_worker

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def test_batch_grades_through_the_cluster_when_a_broker_is_set(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    for i in range(3):
        (cohort / f"good{i}.py").write_text(REFERENCE)
        (cohort / f"bad{i}.py").write_text(STARTER)
    (cohort / "broken.py").write_text("def standardize(:\n")
    with redis_server() as url:
        env = service_env(tmp_path / "data", broker_url=f"{url}/3", database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
        worker = start_worker(env, tmp_path / "worker.log", concurrency=2)
        try:
            out = tmp_path / "out"
            proc = subprocess.run(
                grader_cmd("batch", "--task", "numpy-standardize", str(cohort), "--out", str(out)),
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
        finally:
            worker.stop()
        log = worker.output()
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {r["candidate_id"]: r for r in csv.DictReader((out / "results.csv").open())}
    assert sorted(rows) == ["bad0", "bad1", "bad2", "broken", "good0", "good1", "good2"]
    assert all(float(rows[f"good{i}"]["score"]) == FULL for i in range(3))
    assert all(float(rows[f"bad{i}"]["score"]) < 12 for i in range(3))
    assert rows["broken"]["status"] == "compile_error"
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(records) == 7
    # The worker, not the CLI's process, graded them.
    done = [line for line in log.splitlines() if "grade_submission" in line and "succeeded" in line]
    assert len(done) == 7, log[-3000:]
