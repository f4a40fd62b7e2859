"""Reference observations: run, checked before they are trusted, then cached under a key that
covers everything that can change them. The per-task lock lives here, beside the reference."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import platform
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

from grader.grading import request_for
from grader.judge import reference_defects
from grader.observations import Malformed, Observations, parse_channel
from grader.versions import framework_versions

log = logging.getLogger(__name__)


@functools.cache
def code_fingerprint() -> str:
    """Hash of the code that runs beside a reference and encodes what it does: grader/harness and
    grader/sandbox (once per process, like the harness a warm template has imported)."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for folder in ("harness", "sandbox"):
        for path in sorted((root / folder).glob("*.py")):
            digest.update(f"{folder}/{path.name}".encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(*, fingerprint: str, plan: list[dict], device: str, backend: str, salt: str = "") -> str:
    """Changes whenever anything that can change the reference's observations changes: the task's
    files, the plan (seeds), the backend and its mode, the harness and sandbox code, Python and
    framework versions, the device and the salt."""
    blob = json.dumps(
        {
            "task": fingerprint,
            "plan": plan,
            "backend": backend,
            "code": code_fingerprint(),
            "python": platform.python_version(),
            "versions": framework_versions(),
            "device": device,
            "salt": hashlib.sha256((salt or "").encode()).hexdigest(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class ReferenceError_(RuntimeError):
    """The reference solution did not run cleanly or gave observations no check can trust: the
    grader's fault, never the candidate's."""


class ReferenceCache:
    """A directory of JSON files, written atomically, behind an in-process memory layer; with no
    directory (GRADER_REFERENCE_CACHE=false) only the memory layer, for this process's lifetime."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[tuple[str, str], Observations] = {}

    def get(self, task_id: str, key: str) -> Observations | None:
        if (task_id, key) in self._memory:
            return self._memory[(task_id, key)]
        if self.directory is None:
            return None
        path = self.directory / f"{task_id}-{key}.json"
        try:
            obs = Observations.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, Malformed, RecursionError):
            return None
        self._memory[(task_id, key)] = obs
        return obs

    def discard(self, task_id: str, key: str) -> None:
        """Forget an entry that failed validation, in memory and on disk."""
        self._memory.pop((task_id, key), None)
        if self.directory is not None:
            (self.directory / f"{task_id}-{key}.json").unlink(missing_ok=True)

    def put(self, task_id: str, key: str, obs: Observations) -> None:
        self._memory[(task_id, key)] = obs
        if self.directory is None:
            return
        tmp = None
        try:  # a cache: a full disk (or any write failure) costs a re-run later, never this grading
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                json.dump(obs.to_json(), fh)
            os.replace(tmp, self.directory / f"{task_id}-{key}.json")
        except OSError as exc:
            log.warning("reference cache: %s-%s not written to %s: %s", task_id, key, self.directory, exc)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


def backend_name(sandbox, cuda: str) -> str:
    """The backend and mode a reference ran on: pool sandboxes fork from a template on the CPU
    and are pre-spawned for a GPU."""
    name = getattr(sandbox, "backend", type(sandbox).__name__)
    if name == "pool":
        return "pool:spawn" if cuda else "pool:fork"
    return name


class References:
    """Reference observations for an engine: computed once per key even under concurrency (one
    lock per task), validated before use and on every read from the cache, never cached when bad."""

    def __init__(self, cache: ReferenceCache) -> None:
        self.cache = cache
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def _lock(self, task_id: str) -> threading.Lock:
        with self._guard:
            return self._locks[task_id]

    def get(self, task, items: list[dict], *, sandbox, settings, cuda: str, device: str) -> Observations:
        """The validated reference observations (raises ReferenceError_)."""
        key = cache_key(
            fingerprint=task.fingerprint,
            plan=items,
            device=device,
            backend=backend_name(sandbox, cuda),
            salt=settings.salt,
        )
        with self._lock(task.id):
            cached = self.cache.get(task.id, key)
            if cached is not None and not reference_defects(task.rubric.checks, cached.by_probe, items):
                return cached
            self.cache.discard(task.id, key)
            obs = run_reference(task, items, sandbox=sandbox, settings=settings, cuda=cuda)
            self.cache.put(task.id, key, obs)
            return obs


def run_reference(task, items: list[dict], *, sandbox, settings, cuda: str) -> Observations:
    """Run the reference once (no cache) and check it: a run that did not finish cleanly, or an
    observation a check reads that is not a usable value, raises ReferenceError_ naming the
    task, probe, trial and exception."""
    run = sandbox.run(request_for(task, task.spec.reference, items, settings, cuda))
    obs = parse_channel(run.channel, items)
    if run.sandbox_error or run.timed_out or not obs.done or obs.tampered or obs.compile_error or obs.import_error:
        why = (
            run.sandbox_error
            or obs.tampered
            or (obs.compile_error and f"syntax error: {obs.compile_error['message']}")
            or (
                obs.import_error
                and f"importing it raised {obs.import_error['type']}: {obs.import_error['message'][:200]}"
            )
            or ("timed out" if run.timed_out else f"ended early (exit {run.exit_code}, signal {run.signal})")
        )
        raise ReferenceError_(f"reference solution of {task.id} failed: {why}; stderr: {run.stderr[-500:]}")
    defects = reference_defects(task.rubric.checks, obs.by_probe, items)
    if defects:
        more = f" (and {len(defects) - 3} more)" if len(defects) > 3 else ""
        raise ReferenceError_(f"reference solution of {task.id} cannot be trusted: " + "; ".join(defects[:3]) + more)
    return obs
