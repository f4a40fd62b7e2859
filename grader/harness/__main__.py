"""Harness entry point: read the job on stdin, import the candidate, run probes, stream observations.

The channel's protocol (one JSON object per line on the channel fd, never stdout) is
grader/harness/protocol.py, shared with the grader's parser (grader/observations.py).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
import types

from grader.harness import observe
from grader.harness import protocol as P
from grader.harness.kit import type_name

MAX_MESSAGE = 2000


class Channel:
    """Writes protocol lines with the os.write captured before candidate code runs."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._write = os.write
        self._dumps = json.dumps

    def send(self, msg: dict) -> None:
        data = (self._dumps(msg, allow_nan=False) + "\n").encode("utf-8")
        while data:
            n = self._write(self.fd, data)
            data = data[n:]


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:MAX_MESSAGE]
    except BaseException:  # candidate-defined __str__ may itself raise
        return "<unprintable exception>"


def describe(exc: BaseException) -> dict:
    """Exception as plain data: qualified type, message, last frames of the traceback."""
    name = type_name(exc)
    try:
        tb = "".join(traceback.format_exception(exc)[-6:])[-MAX_MESSAGE:]
    except BaseException:
        tb = ""
    return {P.TYPE: name, P.MESSAGE: _safe_str(exc), P.TRACEBACK: tb}


def _finish() -> None:
    """Flush what the candidate printed, then exit without running its atexit hooks or finalizers."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except BaseException:
            pass
    os._exit(0)


def _cap_gpu_memory(mb: int) -> None:
    """Cap the CUDA caching allocator of this sandbox (its only GPU) before the submission runs."""
    import torch

    if torch.cuda.is_available():
        total = torch.cuda.get_device_properties(0).total_memory
        torch.cuda.set_per_process_memory_fraction(min(1.0, mb * 2**20 / total), 0)


def _read_stdin() -> bytes:
    chunks = []
    while chunk := os.read(0, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def main(channel_fd: int | None = None) -> None:
    """Run one job. `python -m grader.harness FD [--preload torch,numpy [--cuda]]` warms first (a
    pre-spawned pool process); the warm pool's forked children call main(FD) directly."""
    if channel_fd is None:
        channel_fd = int(sys.argv[1])
        if "--preload" in sys.argv:
            from grader.harness import warm

            names = sys.argv[sys.argv.index("--preload") + 1]
            warm.prepare([n for n in names.split(",") if n], tensorflow_ops=True, cuda="--cuda" in sys.argv)
            # Tells the grader to start the submission's clock now, not while this was warming.
            Channel(channel_fd).send({P.EVENT: P.WARM})
    channel = Channel(channel_fd)
    raw = _read_stdin()
    # stdin is closed for the candidate: it sees /dev/null.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    job = json.loads(raw)
    channel.send({P.EVENT: P.START})

    for name in job["imports"]:
        importlib.import_module(name)
    if job.get("gpu_memory_mb") and "torch" in sys.modules:
        _cap_gpu_memory(job["gpu_memory_mb"])
    observe.capture()
    probes: dict = {"__name__": "dlgrader_probes"}
    exec(compile(job["probes"], "probes.py", "exec"), probes)
    # Everything before this line is the grader's own setup; a failure there is never the candidate's.
    channel.send({P.EVENT: P.READY})

    try:
        code = compile(job["code"], "submission.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        lineno = getattr(exc, "lineno", None)
        text = (getattr(exc, "text", None) or "").rstrip("\n")
        channel.send({P.EVENT: P.COMPILE_ERROR, P.LINE: lineno, P.TEXT: text[:500], P.MESSAGE: _safe_str(exc)})
        _finish()

    path = os.path.join(os.getcwd(), "submission.py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(job["code"])
    module = types.ModuleType("submission")
    module.__file__ = path
    sys.modules["submission"] = module
    try:
        exec(code, module.__dict__)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt at import included
        channel.send({P.EVENT: P.IMPORT_ERROR, **describe(exc)})
        _finish()

    for item in job["plan"]:
        probe = probes["probe_" + item["probe"]]
        msg = {P.EVENT: P.OBSERVATION, P.PROBE: item["probe"], P.TRIAL: item["trial"]}
        try:
            result = probe(module, seed=item["seed"], trial=item["trial"])
            msg[P.VALUE] = observe.encode(result)
            json.dumps(msg, allow_nan=False)  # fail here, inside the try, not in send()
        except BaseException as exc:
            msg.pop(P.VALUE, None)
            msg[P.ERROR] = describe(exc)
        channel.send(msg)
    channel.send({P.EVENT: P.DONE})
    _finish()


if __name__ == "__main__":
    main()
