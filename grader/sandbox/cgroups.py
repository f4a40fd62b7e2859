"""cgroup v1 memory + pids groups: a true memory cap, a fork cap, and a way to kill a whole tree."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "dlgrader"


class Cgroup:
    """One sandbox's memory and pids cgroups (v1)."""

    def __init__(self, memory: Path, pids: Path) -> None:
        self.memory = memory
        self.pids = pids

    @classmethod
    def create(cls, *, memory_mb: int, max_pids: int, root: Path = CGROUP_ROOT) -> Cgroup | None:
        """Make fresh groups with the limits set, or None where cgroup v1 is not writable."""
        name = uuid.uuid4().hex[:16]
        mem, pids = root / "memory" / PARENT / name, root / "pids" / PARENT / name
        try:
            mem.mkdir(parents=True)
            pids.mkdir(parents=True)
            limit = str(memory_mb * 1024 * 1024)
            (mem / "memory.limit_in_bytes").write_text(limit)
            swap = mem / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(limit)  # no swapping past the cap either
            (pids / "pids.max").write_text(str(max_pids))
        except OSError:
            for p in (mem, pids):
                try:
                    p.rmdir()
                except OSError:
                    pass
            return None
        return cls(mem, pids)

    def set_memory(self, memory_mb: int) -> bool:
        """Change the memory cap (a pooled sandbox learns its task's limit when the job arrives)."""
        limit = str(memory_mb * 1024 * 1024)
        files = [self.memory / "memory.limit_in_bytes"]
        swap = self.memory / "memory.memsw.limit_in_bytes"
        if swap.exists():  # memsw must stay >= the plain limit: order the writes accordingly
            current = int(self._read(files[0]).strip() or 0)
            files = files + [swap] if memory_mb * 1024 * 1024 <= current else [swap, *files]
        try:
            for f in files:
                f.write_text(limit)
        except OSError:
            return False
        return True

    @property
    def procs_files(self) -> list[str]:
        return [str(self.memory / "cgroup.procs"), str(self.pids / "cgroup.procs")]

    def _read(self, path: Path) -> str:
        try:
            return path.read_text()
        except OSError:
            return ""

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer acted inside this group."""
        for line in self._read(self.memory / "memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit() and int(value) > 0:
                return True
        return False

    def hit_limit(self) -> bool:
        """Whether allocations ever failed against the memory limit."""
        value = self._read(self.memory / "memory.failcnt").strip()
        return value.isdigit() and int(value) > 0

    def peak_mb(self) -> float | None:
        value = self._read(self.memory / "memory.max_usage_in_bytes").strip()
        return int(value) / 2**20 if value.isdigit() else None

    def pids_in(self) -> list[int]:
        return [int(p) for p in self._read(self.pids / "cgroup.procs").split()]

    def kill_all(self, rounds: int = 200) -> bool:
        """SIGKILL every process in the group until it is empty; True when empty."""
        for _ in range(rounds):
            pids = self.pids_in()
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        return not self.pids_in()

    def remove(self) -> None:
        """Kill what is left and delete both groups."""
        self.kill_all()
        for path in (self.memory, self.pids):
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
