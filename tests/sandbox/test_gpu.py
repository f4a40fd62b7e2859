"""GPU worker path: runs only where a CUDA GPU is present (scripts/gpu-check.sh on a lent machine)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from grader.engine import Engine
from grader.models import Submission
from grader.references import ReferenceCache
from grader.sandbox.process import ProcessSandbox
from grader.taskspec import load_task


def _has_gpu() -> bool:
    if not shutil.which("nvidia-smi"):
        return False
    return subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0


pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not _has_gpu(), reason="no CUDA GPU on this machine (nvidia-smi absent or failing)"),
]


@pytest.mark.parametrize("task_id", ["torch-fix-device", "torch-amp-train-step", "torch-epoch-loop"])
@pytest.mark.parametrize("variant, full", [("reference", True), ("starter", False)])
def test_gpu_tasks_on_real_cuda(settings, tmp_path, task_id, variant, full):
    """fix-device without emulation, AMP with float16 autocast and GradScaler("cuda")."""
    gpu = settings.model_copy(update={"gpu_devices": ["0"]})
    task = load_task(task_id, tasks_dir=gpu.tasks_dir, rubrics_dir=gpu.rubrics_dir)
    code = task.spec.reference if variant == "reference" else task.spec.starter
    report = Engine(gpu, sandbox=ProcessSandbox(settings=gpu), cache=ReferenceCache(tmp_path)).grade(
        Submission(task_id=task.id, code=code), task=task
    )
    assert report.environment.device.startswith("cuda")
    assert report.status.value == "graded", report.message + report.stderr[-2000:]
    assert (report.score == report.max_score) is full


@pytest.mark.parametrize("variant, full", [("reference", True), ("starter", False)])
def test_gpu_tasks_on_the_warm_pool(settings, tmp_path, variant, full):
    """The pool's GPU path: pre-spawned sandboxes that create their own CUDA context (no fork)."""
    from grader.sandbox.pool import PooledSandbox

    gpu = settings.model_copy(update={"gpu_devices": ["0"]})
    task = load_task("torch-amp-train-step", tasks_dir=gpu.tasks_dir, rubrics_dir=gpu.rubrics_dir)
    code = task.spec.reference if variant == "reference" else task.spec.starter
    pool = PooledSandbox(settings=gpu)
    try:
        report = Engine(gpu, sandbox=pool, cache=ReferenceCache(tmp_path)).grade(
            Submission(task_id=task.id, code=code), task=task
        )
        assert not pool._templates  # GPU sandboxes are never forked from a template
    finally:
        pool.close()
    assert report.environment.device.startswith("cuda")
    assert report.status.value == "graded", report.message + report.stderr[-2000:]
    assert (report.score == report.max_score) is full


def test_gpu_memory_cap_stops_a_greedy_submission(settings, tmp_path):
    gpu = settings.model_copy(update={"gpu_devices": ["0"], "gpu_memory_mb": 1024})
    task = load_task("torch-amp-train-step", tasks_dir=gpu.tasks_dir, rubrics_dir=gpu.rubrics_dir)
    greedy = "import torch\nhog = torch.empty(4 * 2**30, dtype=torch.uint8, device='cuda')\n" + task.spec.reference
    report = Engine(gpu, sandbox=ProcessSandbox(settings=gpu), cache=ReferenceCache(tmp_path)).grade(
        Submission(task_id=task.id, code=greedy), task=task
    )
    assert report.status.value == "runtime_error" and "OutOfMemory" in report.message, report.message
