"""Reference observations: computed once per task version + framework version + device, then cached."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from grader.observations import Observations


@functools.cache
def framework_versions() -> dict[str, str | None]:
    """Installed versions, read without importing the frameworks (once per process: what a
    process runs cannot change under it)."""
    out: dict[str, str | None] = {}
    for dist, key in (("torch", "torch"), ("tensorflow-cpu", "tensorflow"), ("tensorflow", "tensorflow"), ("numpy", "numpy")):
        if out.get(key):
            continue
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out.setdefault(key, None)
    return out


@functools.cache
def harness_fingerprint() -> str:
    """Hash of the harness code: how observations are made and encoded (once per process, like
    the harness a warm template has imported)."""
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).parent / "harness").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def cache_key(*, fingerprint: str, plan: list[dict], device: str) -> str:
    """Changes whenever the task's files, the seeds, the harness, a framework version or the device change."""
    blob = json.dumps(
        {"task": fingerprint, "plan": plan, "harness": harness_fingerprint(), "versions": framework_versions(), "device": device},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


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
        except (OSError, ValueError, KeyError):
            return None
        self._memory[(task_id, key)] = obs
        return obs

    def put(self, task_id: str, key: str, obs: Observations) -> None:
        self._memory[(task_id, key)] = obs
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(obs.to_json(), fh)
        os.replace(tmp, self.directory / f"{task_id}-{key}.json")
