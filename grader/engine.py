"""The grading engine: the one grading path. It owns a sandbox backend and the reference
observations, plans each grading, picks its GPU and device once, and passes them down. The CLI,
`grader batch`, selfcheck, the API's embedded worker, Celery jobs and the tests all use it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from grader import grading, salt
from grader.catalog import TaskCatalog
from grader.judge import judge
from grader.models import NeedsGpu, Report, Status, Submission
from grader.observations import Observations
from grader.references import ReferenceCache, ReferenceError_, References, run_reference
from grader.sandbox import Sandbox
from grader.settings import Settings
from grader.taskspec import Task


def make_sandbox(settings: Settings) -> Sandbox:
    """The backend named by GRADER_SANDBOX."""
    if settings.sandbox == "pool":
        from grader.sandbox.pool import PooledSandbox

        return PooledSandbox(settings=settings)
    if settings.sandbox == "docker":
        from grader.sandbox.docker import DockerSandbox

        return DockerSandbox(settings=settings)
    from grader.sandbox.process import ProcessSandbox

    return ProcessSandbox(settings=settings)


class Engine:
    """Thread-safe: grade() may be called from several threads at once (batch, embedded worker)."""

    def __init__(
        self, settings: Settings, *, sandbox: Sandbox | None = None, cache: ReferenceCache | None = None
    ) -> None:
        """settings.seed_salt unset: the data dir's generated salt (the service resolves the
        database's first, grader/salt.py)."""
        settings = salt.resolve(settings)
        self.settings = settings
        self.salt: str = settings.salt or ""  # resolved: never None here
        self.sandbox = sandbox if sandbox is not None else make_sandbox(settings)
        if cache is None:
            cache = ReferenceCache(settings.data_dir / "references" if settings.reference_cache else None)
        self.cache = cache
        self.references = References(cache)
        self.tasks = TaskCatalog.from_settings(settings)
        self._gpu_turn = itertools.count()

    def task(self, task_id: str) -> Task:
        """The task, loaded once (raises TaskNotFound / TaskInvalid)."""
        return self.tasks.get(task_id)

    def gpu_for(self, task: Task) -> str:
        """This grading's CUDA_VISIBLE_DEVICES: the worker's GPUs in turn, "" for none."""
        if task.spec.needs_gpu is NeedsGpu.never:
            return ""
        return grading.gpu_for(task, self.settings, next(self._gpu_turn))

    def grade(self, submission: Submission, *, task: Task | None = None) -> Report:
        """Grade one submission: plan, pick the device, get the checked reference, run, judge."""
        started = datetime.now(UTC)
        task = task or self.task(submission.task_id)
        items = grading.plan(task, salt=self.salt)
        cuda = self.gpu_for(task)
        device = grading.device_label(cuda)
        if task.spec.needs_gpu is NeedsGpu.required and device == "cpu":
            return grading.failed(
                task,
                submission,
                Status.sandbox_error,
                "this task needs a GPU and this worker has none",
                device=device,
                started=started,
            )
        try:
            reference = self.references.get(
                task, items, sandbox=self.sandbox, settings=self.settings, cuda=cuda, device=device
            )
        except ReferenceError_ as exc:
            report = grading.failed(task, submission, Status.sandbox_error, str(exc), device=device, started=started)
            return report.model_copy(update={"reference_failed": True})
        return grading.grade(
            task,
            submission,
            items=items,
            reference=reference,
            cuda=cuda,
            device=device,
            sandbox=self.sandbox,
            settings=self.settings,
            started=started,
        )

    def check_reference(self, task: Task) -> list[str]:
        """Run the reference twice, uncached, on this engine's backend; what makes it untrustworthy
        (a failed run, an unusable observation, or observations that differ between the runs as
        the checks themselves judge them). Empty when it can be trusted."""
        items = grading.plan(task, salt=self.salt)
        runs: list[Observations] = []
        for _ in range(2):
            cuda = self.gpu_for(task)
            try:
                runs.append(run_reference(task, items, sandbox=self.sandbox, settings=self.settings, cuda=cuda))
            except ReferenceError_ as exc:
                return [str(exc)]
        first, second = runs
        return [
            f"check {c.id}: the reference's two runs differ ({v.detail})"
            for c in task.rubric.checks
            if not (v := judge(c, second.by_probe.get(c.probe, {}), first.by_probe.get(c.probe, {}))).passed
        ]

    def close(self) -> None:
        self.sandbox.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
