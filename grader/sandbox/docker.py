"""The docker backend: one fresh, single-use container per run, through the Docker SDK.

Each run creates a container from the sandbox image (workers/Dockerfile, target "sandbox") with
no network, a read-only root, a tmpfs work dir, memory (swap included) and pids limits, every
capability dropped, no-new-privileges and uid/gid 65534; nothing from the grader's side is
mounted, and the environment is the process backend's scrubbed one. The job JSON goes to the
container's stdin over an attach socket; the container's PID 1 is grader.sandbox.docker_entry,
which frames the harness's channel, stdout and stderr onto the container's stdout (see its
docstring for why and what the candidate can and cannot reach). The grader keeps the wall clock,
kills the container at the limit, reads OOMKilled and the exit code from the engine, and always
removes the container, whatever happens. The environment and limits come from
grader/sandbox/environment.py, the caps, warm-up handshake and wall clock from
grader/sandbox/supervise.py, the refill of pre-started containers from grader/sandbox/warmpool.py,
as for the other backends.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any

from grader.sandbox import environment
from grader.sandbox.base import RunRequest, RunResult
from grader.sandbox.supervise import CHANNEL_CAP_WARNING, CappedBuffer, drop_warm_line, wall_clock
from grader.sandbox.warmpool import WarmPool
from grader.settings import Settings

LABEL = "dlgrader.sandbox"
WARM_UP_S = 300.0  # how long a pre-started container's harness may take to import its frameworks
OWNER_LABEL = "dlgrader.owner"  # "<host>:<pid>": the grader process that created the container
WORKDIR = "/work"
PYTHON = "/opt/venv/bin/python"
DOCKER_HEADER = struct.Struct(">BxxxI")  # the engine's multiplexed attach stream: stream, size
FRAME_HEADER = struct.Struct(">cI")  # docker_entry's frames: stream id, size


class _Stream:
    """Reads the attach socket to its end, splitting the engine's and the entry point's framing."""

    def __init__(self, sock, request: RunRequest) -> None:
        self.sock = sock
        self.channel = CappedBuffer(request.observation_cap_bytes)
        self.stdout = CappedBuffer(request.output_cap_bytes)
        self.stderr = CappedBuffer(request.output_cap_bytes)
        # the entry point's own errors (the grader's, not the candidate's)
        self.entry_stderr = CappedBuffer(1 << 16)
        self.status: dict | None = None
        self.malformed: str | None = None
        self._pending = bytearray()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _recv_exact(self, n: int) -> bytes | None:
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return bytes(data)

    def _run(self) -> None:
        try:
            while header := self._recv_exact(DOCKER_HEADER.size):
                kind, size = DOCKER_HEADER.unpack(header)
                payload = self._recv_exact(size)
                if payload is None:
                    break
                if kind == 1:
                    self._frames(payload)
                else:
                    self.entry_stderr.add(payload)
        except (OSError, ValueError):
            pass

    def _frames(self, data: bytes) -> None:
        self._pending += data
        while len(self._pending) >= FRAME_HEADER.size:
            stream, size = FRAME_HEADER.unpack_from(self._pending)
            if size > 1 << 20:
                self.malformed = f"oversized frame ({size} bytes)"
                self._pending.clear()
                return
            if len(self._pending) < FRAME_HEADER.size + size:
                return
            payload = bytes(self._pending[FRAME_HEADER.size : FRAME_HEADER.size + size])
            del self._pending[: FRAME_HEADER.size + size]
            sink = {b"c": self.channel, b"o": self.stdout, b"e": self.stderr}.get(stream)
            if sink is not None:
                sink.add(payload)
            elif stream == b"s" and self.status is None:
                try:
                    self.status = json.loads(payload)
                except ValueError:
                    self.malformed = "unreadable status frame"
            else:
                self.malformed = f"unknown stream {stream!r}"


@dataclass
class _Warm:
    """A pre-started container: the harness imported its frameworks and waits for its job."""

    container_id: str
    attached: Any
    sock: Any


class DockerSandbox:
    """Runs each request in a new container; never reuses one.

    With pool_size > 0 (GRADER_DOCKER_POOL_SIZE) it keeps that many containers per framework
    started ahead, their harness already past `import torch` / `import tensorflow` and waiting on
    stdin; each takes exactly one job and is removed, and a background thread starts the next."""

    backend = "docker"  # part of the reference cache key

    def __init__(
        self, *, settings: Settings, client=None, labels: dict[str, str] | None = None, pool_size: int | None = None
    ) -> None:
        """client: a docker.DockerClient (default: from settings); labels: added to every container."""
        self.settings = settings
        self._client = client
        self.labels = {LABEL: "1", OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}", **(labels or {})}
        self._reaped = False
        self.pool_size = settings.docker_pool_size if pool_size is None else pool_size
        self._spares: WarmPool[tuple, _Warm] = WarmPool(
            size=self.pool_size,
            make=lambda key, specimen: self._start_warm(specimen),
            discard=self._discard,
            name="docker-pool-refill",
            errors=(Exception,),  # runs fall back to cold containers
            lazy=True,  # started by the first run that wants a pre-started container
        )
        self.runs = 0
        self.warm_runs = 0  # of those, the runs served by a pre-started container

    @property
    def client(self):
        """The engine client: settings.docker_host, else DOCKER_HOST / the default socket."""
        if self._client is None:
            import docker

            self._client = (
                docker.DockerClient(base_url=self.settings.docker_host)
                if self.settings.docker_host
                else docker.from_env()
            )
        return self._client

    def container_config(self, request: RunRequest, *, preload: bool = False) -> dict:
        """Arguments for the engine's create-container call (exposed for tests and audits)."""
        s = self.settings
        api = self.client.api
        env = environment.sandbox_env(s, WORKDIR)
        env["PATH"] = "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin"
        device_requests = None
        if request.cuda_visible_devices:
            import docker

            ids = [d.strip() for d in request.cuda_visible_devices.split(",") if d.strip()]
            device_requests = [docker.types.DeviceRequest(device_ids=ids, capabilities=[["gpu"]])]
            # Inside the container the granted GPUs are numbered from 0.
            env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(len(ids)))
        entry_cfg = {
            "channel_cap": request.observation_cap_bytes,
            "output_cap": request.output_cap_bytes,
            **environment.rlimits(request),
            "seccomp": environment.seccomp_filter(s),
        }
        if preload:
            entry_cfg["preload"] = list(request.job["imports"])
            entry_cfg["cuda"] = bool(request.cuda_visible_devices)
        host_config = api.create_host_config(
            network_mode="none",
            read_only=True,
            # The only writable place (TMPDIR and HOME point here); /tmp stays read-only as under
            # the process backend, and ipc "none" mounts no /dev/shm.
            tmpfs={WORKDIR: f"rw,nosuid,nodev,size={s.sandbox_tmp_mb}m,mode=1777"},
            mem_limit=f"{request.memory_mb}m",
            memswap_limit=f"{request.memory_mb}m",
            pids_limit=request.max_pids,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            ipc_mode="none",
            log_config={"type": "none"},
            device_requests=device_requests,
        )
        return {
            "image": s.docker_image,
            "command": [json.dumps(entry_cfg)],
            "user": f"{s.sandbox_uid}:{s.sandbox_gid}",
            "environment": env,
            "working_dir": WORKDIR,
            "hostname": "sandbox",
            "stdin_open": True,  # with detach=False the SDK also sets StdinOnce: EOF closes it
            "use_config_proxy": False,  # never copy the client's proxy settings into the sandbox
            "network_disabled": True,
            "labels": dict(self.labels),
            "host_config": host_config,
        }

    def reap_orphans(self) -> list[str]:
        """Remove sandbox containers left by a grader on this host that died mid-run (SIGKILL,
        power loss): its `finally` never ran. Returns the ids removed."""
        host = socket.gethostname()
        removed = []
        for c in self.client.api.containers(all=True, filters={"label": [LABEL, OWNER_LABEL]}):
            owner_host, _, pid = (c.get("Labels") or {}).get(OWNER_LABEL, "").rpartition(":")
            if owner_host == host and pid.isdigit() and not _alive(int(pid)):
                self._remove(c["Id"])
                removed.append(c["Id"])
        return removed

    def run(self, request: RunRequest) -> RunResult:
        """Create (or take a pre-started one), attach, start, feed, wait (up to the wall clock),
        inspect, remove."""
        started = time.monotonic()
        if not self._reaped:
            self._reaped = True
            try:
                self.reap_orphans()
            except Exception:  # noqa: BLE001 - best effort; the run itself reports engine problems
                pass
        self.runs += 1
        warm = self._take(request) if self.pool_size > 0 else None
        if warm is not None:
            try:  # the task's memory cap (a cap below what the warm harness already holds fails)
                self.client.api.update_container(
                    warm.container_id, mem_limit=f"{request.memory_mb}m", memswap_limit=f"{request.memory_mb}m"
                )
            except Exception:  # noqa: BLE001 - run this one in a cold container instead
                self._discard(warm)
                warm = None
        if warm is not None:
            self.warm_runs += 1
            try:
                return self._supervise(
                    warm.container_id, warm.attached, warm.sock, request, started, warm_up_s=WARM_UP_S
                )
            except Exception as exc:  # noqa: BLE001
                return RunResult(b"", "", "", sandbox_error=f"docker sandbox failed: {type(exc).__name__}: {exc}")
            finally:
                self._remove(warm.container_id)
        try:
            config = self.container_config(request)
            container_id = self.client.api.create_container(**config)["Id"]
        except Exception as exc:  # noqa: BLE001 - an engine or image problem is the grader's
            return RunResult(b"", "", "", sandbox_error=f"could not create the sandbox container: {exc}")
        try:
            return self._run(container_id, request, started)
        except Exception as exc:  # noqa: BLE001
            return RunResult(b"", "", "", sandbox_error=f"docker sandbox failed: {type(exc).__name__}: {exc}")
        finally:  # whatever happened, the container does not outlive its run
            self._remove(container_id)

    def _attach_and_start(self, container_id: str):
        api = self.client.api
        attached = api.attach_socket(container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        api.start(container_id)
        return attached, getattr(attached, "_sock", attached)

    def _run(self, container_id: str, request: RunRequest, started: float) -> RunResult:
        attached, sock = self._attach_and_start(container_id)
        return self._supervise(container_id, attached, sock, request, started)

    def _supervise(
        self, container_id: str, attached, sock, request: RunRequest, started: float, warm_up_s: float = 0.0
    ) -> RunResult:
        """warm_up_s > 0: a pre-started container whose harness may still be importing; the wall
        clock starts at its "warm" line (waited for up to warm_up_s), which is then dropped."""
        api = self.client.api
        stream = _Stream(sock, request)
        warm_error = None
        try:
            stream.thread.start()
            threading.Thread(target=_feed, args=(sock, json.dumps(request.job).encode()), daemon=True).start()
            # The container has ended once its attach stream has.
            timed_out, warm_error = wall_clock(
                request, stream.channel.buf, wait=lambda t: _joined(stream.thread, t), warm_up_s=warm_up_s
            )
            if warm_error:
                api.kill(container_id)
            if timed_out:
                try:
                    api.kill(container_id)
                except Exception:  # noqa: BLE001 - it may have exited meanwhile
                    pass
            stream.thread.join(timeout=10)
        finally:
            try:
                attached.close()
            except OSError:
                pass
        state = api.inspect_container(container_id)["State"]
        warm_bytes = drop_warm_line(stream.channel.buf) if warm_up_s > 0 else 0
        result = self._result(stream, state, timed_out, started, warm_bytes=warm_bytes)
        if warm_error:
            result.sandbox_error = warm_error
        return result

    # -- the pool of pre-started containers ------------------------------------------------------

    @staticmethod
    def _key(r: RunRequest) -> tuple:
        return (
            tuple(r.job["imports"]),
            r.cuda_visible_devices,
            r.cpu_s,
            r.file_size_mb,
            r.open_files,
            r.max_pids,
            r.output_cap_bytes,
            r.observation_cap_bytes,
        )

    def _take(self, request: RunRequest) -> _Warm | None:
        return self._spares.take(self._key(request), request)  # None: nothing ready, this run starts cold

    def _start_warm(self, request: RunRequest) -> _Warm:
        container_id = self.client.api.create_container(**self.container_config(request, preload=True))["Id"]
        try:
            attached, sock = self._attach_and_start(container_id)
        except Exception:
            self._remove(container_id)
            raise
        return _Warm(container_id, attached, sock)

    def idle_containers(self) -> list[str]:
        return [w.container_id for w in self._spares.idle()]

    def _discard(self, warm: _Warm) -> None:
        try:
            warm.attached.close()
        except OSError:
            pass
        self._remove(warm.container_id)

    @staticmethod
    def _result(stream: _Stream, state: dict, timed_out: bool, started: float, warm_bytes: int = 0) -> RunResult:
        status = stream.status or {}
        totals = status.get("totals", {})
        for key, sink in (("c", stream.channel), ("o", stream.stdout), ("e", stream.stderr)):
            sink.total = max(int(totals.get(key, 0)) - (warm_bytes if key == "c" else 0), len(sink.buf))
        result = RunResult(
            channel=bytes(stream.channel.buf),
            stdout=stream.stdout.text(),
            stderr=stream.stderr.text(),
            timed_out=timed_out,
            memory_exceeded=bool(state.get("OOMKilled")),
        )
        if stream.channel.truncated:
            result.warnings.append(CHANNEL_CAP_WARNING)
        if "exit" in status:
            result.exit_code = status["exit"]
        elif "signal" in status:
            result.signal = status["signal"]
        elif not timed_out:
            # No status frame: the entry point itself ended (killed with the harness, e.g. by the
            # OOM killer) or failed; the engine's exit code says which.
            code = state.get("ExitCode")
            if isinstance(code, int) and code > 128:
                result.signal = code - 128
            elif "error" in status or stream.malformed or code not in (0, None):
                why = status.get("error") or stream.malformed or f"entry point exited with {code}"
                result.sandbox_error = f"{why}; {stream.entry_stderr.text()[-500:]}".rstrip("; ")
        if stream.malformed and not result.sandbox_error:
            result.warnings.append(f"sandbox stream: {stream.malformed}")
        result.duration_s = time.monotonic() - started
        return result

    def _remove(self, container_id: str) -> None:
        try:
            self.client.api.remove_container(container_id, force=True)
        except Exception:  # noqa: BLE001 - already gone; anything else is swept by label
            pass

    def close(self) -> None:
        """Remove the idle pre-started containers and release the engine connection."""
        self._spares.close(join_s=120)  # (lets a container being started finish, then removes it)
        if self._client is not None:
            self._client.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _joined(thread: threading.Thread, timeout: float) -> bool:
    """Wait up to `timeout` s for `thread` to end; whether it has."""
    thread.join(timeout=timeout)
    return not thread.is_alive()


def _feed(sock, data: bytes) -> None:
    """Write the job to the container's stdin, then close it (the harness reads to EOF)."""
    try:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
