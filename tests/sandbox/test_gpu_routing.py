"""Which GPU a sandbox gets, decided without touching CUDA (no GPU needed)."""

from __future__ import annotations

from grader.grading import gpu_for, request_for
from grader.taskspec import load_task


def _task(settings, task_id):
    return load_task(task_id, tasks_dir=settings.tasks_dir, rubrics_dir=settings.rubrics_dir)


def test_each_sandbox_gets_one_gpu_in_turn(settings):
    s = settings.model_copy(update={"gpu_devices": ["0", "1"]})
    task = _task(s, "torch-amp-train-step")  # needs_gpu = optional
    picks = [gpu_for(task, s, turn) for turn in range(6)]
    assert set(picks) == {"0", "1"} and all("," not in p for p in picks)
    assert picks.count("0") == picks.count("1") == 3


def test_cpu_tasks_and_cpu_workers_get_no_gpu(settings):
    assert gpu_for(_task(settings, "torch-amp-train-step"), settings, 0) == ""  # worker without GPUs
    s = settings.model_copy(update={"gpu_devices": ["0"]})
    assert gpu_for(_task(s, "numpy-standardize"), s, 0) == ""  # needs_gpu = never


def test_gpu_memory_cap_travels_only_with_gpu_sandboxes(settings):
    s = settings.model_copy(update={"gpu_devices": ["0"], "gpu_memory_mb": 4096})
    task = _task(s, "torch-amp-train-step")
    gpu_request = request_for(task, "", [], s, cuda="0")
    assert gpu_request.cuda_visible_devices == "0" and gpu_request.job["gpu_memory_mb"] == 4096
    cpu_request = request_for(task, "", [], s, cuda="")
    assert "gpu_memory_mb" not in cpu_request.job
