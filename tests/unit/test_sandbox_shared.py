"""The pieces every backend shares: the channel protocol (one definition for the harness and the
parser), the capped readers and warm-up handshake of supervision, and the sandbox environment's
isolation flags (decisions are made from flags, the report keeps its words)."""

from __future__ import annotations

import json
import os
import threading
import time

from grader.harness import protocol as P
from grader.harness.__main__ import Channel, describe
from grader.observations import parse_channel
from grader.sandbox import environment
from grader.sandbox.base import Missing, RunRequest
from grader.sandbox.supervise import (
    CappedBuffer,
    CappedReader,
    Streams,
    await_warm,
    drop_warm_line,
    status_lines,
    supervise,
    wall_clock,
)
from grader.settings import Settings

PLAN = [{"probe": "p", "trial": 0, "seed": 1}, {"probe": "p", "trial": 1, "seed": 2}]


def _request(**kw) -> RunRequest:
    limits = dict(
        timeout_s=1.0,
        memory_mb=500,
        cpu_s=10,
        max_pids=64,
        file_size_mb=8,
        open_files=64,
        output_cap_bytes=1024,
        observation_cap_bytes=4096,
    )
    return RunRequest(job={"imports": []}, **{**limits, **kw})


def _written(messages: list[dict]) -> bytes:
    """What the harness's own Channel writes for these messages."""
    r, w = os.pipe()
    for msg in messages:
        Channel(w).send(msg)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    return data


# -- protocol -----------------------------------------------------------------------------------


def test_what_the_harness_writes_with_the_protocol_the_parser_accepts():
    value = {"kind": "int", "type": "int", "value": 3}
    try:
        raise ValueError("boom")
    except ValueError as exc:
        error = describe(exc)
    stream = _written(
        [
            {P.EVENT: P.START},
            {P.EVENT: P.READY},
            {P.EVENT: P.OBSERVATION, P.PROBE: "p", P.TRIAL: 0, P.VALUE: value},
            {P.EVENT: P.OBSERVATION, P.PROBE: "p", P.TRIAL: 1, P.ERROR: error},
            {P.EVENT: P.DONE},
        ]
    )
    obs = parse_channel(stream, PLAN)
    assert obs.tampered is None and obs.done
    assert obs.by_probe["p"][0] == {"value": value}
    assert obs.by_probe["p"][1]["error"]["type"] == "ValueError"


def test_compile_and_import_errors_travel_in_the_protocol_fields():
    ce = parse_channel(
        _written(
            [
                {P.EVENT: P.START},
                {P.EVENT: P.READY},
                {P.EVENT: P.COMPILE_ERROR, P.LINE: 3, P.TEXT: "x ===", P.MESSAGE: "invalid syntax"},
            ]
        ),
        PLAN,
    )
    assert ce.compile_error == {"line": 3, "text": "x ===", "message": "invalid syntax"}
    try:
        raise ImportError("nope")
    except ImportError as exc:
        ie_msg = {P.EVENT: P.IMPORT_ERROR, **describe(exc)}
    ie = parse_channel(_written([{P.EVENT: P.START}, {P.EVENT: P.READY}, ie_msg]), PLAN)
    assert ie.import_error["type"] == "ImportError" and ie.import_error["message"] == "nope"


def test_the_warm_line_is_the_harness_message_and_never_reaches_the_parser():
    assert _written([{P.EVENT: P.WARM}]) == P.WARM_LINE
    assert P.WARM not in P.EVENTS
    # Left in the stream, it is off-protocol (tampering), which is why supervision drops it.
    assert parse_channel(P.WARM_LINE, PLAN).tampered


def test_unknown_events_and_fields_are_tampering():
    for msg in ({P.EVENT: "hello"}, {P.EVENT: P.START, "extra": 1}):
        assert parse_channel(json.dumps(msg).encode() + b"\n", PLAN).tampered


# -- supervision --------------------------------------------------------------------------------


def test_capped_buffer_keeps_its_cap_and_counts_the_rest():
    buf = CappedBuffer(5)
    buf.add(b"abc")
    buf.add(b"defgh")
    assert bytes(buf.buf) == b"abcde" and buf.total == 8 and buf.truncated
    assert buf.text() == "abcde\n[... 3 more bytes not kept]"
    small = CappedBuffer(10)
    small.add(b"hi")
    assert small.text() == "hi" and not small.truncated


def test_capped_reader_drains_a_pipe_past_its_cap():
    r, w = os.pipe()
    reader = CappedReader(os.fdopen(r, "rb", buffering=0), 100)
    reader.start()
    with os.fdopen(w, "wb") as fh:
        fh.write(b"x" * 200_000)  # more than a pipe holds: it must be drained to finish
    reader.join(timeout=5)
    assert not reader.is_alive() and len(reader.buf) == 100 and reader.data.total == 200_000


def test_warm_handshake_waits_for_the_line_then_drops_it():
    channel = bytearray()
    threading.Timer(0.1, lambda: channel.extend(P.WARM_LINE + b'{"event": "start"}\n')).start()
    t0 = time.monotonic()
    assert await_warm(channel, ended=lambda: False, limit_s=5) is None
    assert time.monotonic() - t0 >= 0.05
    assert drop_warm_line(channel) == len(P.WARM_LINE)
    assert bytes(channel) == b'{"event": "start"}\n'
    assert drop_warm_line(channel) == 0  # only at the head, only once


def test_warm_handshake_gives_up_after_its_limit_or_when_the_sandbox_ended():
    assert "did not warm up" in await_warm(bytearray(), ended=lambda: False, limit_s=0.05)
    assert await_warm(bytearray(), ended=lambda: True, limit_s=5) is None


def test_wall_clock_times_out_and_starts_after_the_warm_line():
    ended = threading.Event()
    timed_out, warm_error = wall_clock(_request(timeout_s=0.1), bytearray(), wait=lambda t: ended.wait(t))
    assert timed_out and warm_error is None
    channel = bytearray(P.WARM_LINE)
    ended.set()
    assert wall_clock(_request(), channel, wait=lambda t: ended.wait(t), warm_up_s=1) == (False, None)
    not_warm = wall_clock(_request(), bytearray(), wait=lambda t: False, warm_up_s=0.05)
    assert not_warm[0] is False and "did not warm up" in not_warm[1]


def test_status_lines_skip_what_is_not_a_json_object():
    buf = bytearray(b'{"harness_pid": 5}\nnot json\n[1]\n{"error": "isolation failed: x", "isolation_failed": true}\n')
    assert status_lines(buf) == [{"harness_pid": 5}, {"error": "isolation failed: x", "isolation_failed": True}]


def _supervised(status: bytes, channel: bytes = b""):
    """supervise() over real pipes whose launcher already ended, having written `status`."""
    (in_r, in_w), (out_r, out_w), (err_r, err_w), (ch_r, ch_w), (st_r, st_w) = (os.pipe() for _ in range(5))
    os.write(st_w, status)
    os.write(ch_w, channel)
    for fd in (out_w, err_w, ch_w, st_w):
        os.close(fd)
    streams = Streams(
        stdin=os.fdopen(in_w, "wb", buffering=0),
        stdout=os.fdopen(out_r, "rb", buffering=0),
        stderr=os.fdopen(err_r, "rb", buffering=0),
        channel=ch_r,
        status=st_r,
    )
    try:
        return supervise(
            _request(),
            streams,
            wait=lambda t: True,
            kill=lambda: None,
            cgroup=None,
            launcher_pid=None,
            isolated=True,
            warnings=["kept"],
            started=time.monotonic(),
        )
    finally:
        os.close(in_r)


def test_supervise_flags_a_failed_isolation_from_the_launchers_status_not_its_words():
    failed = _supervised(b'{"error": "isolation failed: unshare: EPERM", "isolation_failed": true}\n')
    assert failed.isolation_failed and failed.sandbox_error == "isolation failed: unshare: EPERM"
    other = _supervised(b'{"error": "isolation failed, says the text only"}\n')
    assert other.sandbox_error and not other.isolation_failed


def test_supervise_collects_exit_channel_and_warnings():
    result = _supervised(b'{"harness_pid": 7}\n{"exit": 0}\n', channel=b'{"event": "start"}\n')
    assert result.exit_code == 0 and result.channel == b'{"event": "start"}\n' and result.warnings == ["kept"]
    assert not result.timed_out and result.sandbox_error is None


# -- environment ----------------------------------------------------------------------------------


def test_missing_walls_are_flags_with_the_reports_words(tmp_path):
    s = Settings(data_dir=tmp_path, env="dev", seccomp=False)
    assert environment.missing_walls(s, isolate=True) == []
    missing = environment.missing_walls(s, isolate=False) + [Missing.cgroup]
    assert missing == [Missing.network, Missing.uid, Missing.cgroup]
    words = environment.warnings_for(missing)
    assert words[0].startswith("no network namespace") and "unprivileged" in words[1] and "cgroup" in words[2]


def test_strict_isolation_refuses_from_the_flags(tmp_path):
    auto = Settings(data_dir=tmp_path, env="dev")
    strict = auto.model_copy(update={"isolation": "strict"})
    unisolated = [Missing.network, Missing.uid]
    assert environment.strict_refusal(auto, unisolated) is None
    assert "strict isolation" in environment.strict_refusal(strict, unisolated)
    # what strict has always allowed: an isolated sandbox without seccomp or a cgroup
    assert environment.strict_refusal(strict, [Missing.seccomp, Missing.cgroup]) is None


def test_the_environment_is_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgres://x")
    env = environment.sandbox_env(Settings(data_dir=tmp_path, env="dev"), "/tmp/w")
    assert not any(k.startswith("GRADER_") or "DATABASE" in k for k in env)
    assert env["HOME"] == env["TMPDIR"] == "/tmp/w"


def test_launcher_config_carries_the_requests_limits(tmp_path):
    s = Settings(data_dir=tmp_path, env="dev", seccomp=False)
    req = _request(cpu_s=7, file_size_mb=3, open_files=33, max_pids=10, memory_mb=600)
    cfg = environment.launcher_config(s, req, isolate=True, cgroup=None, workdir="/tmp/w", channel_fd=5, status_fd=6)
    assert (cfg["cpu_s"], cfg["file_size_mb"], cfg["open_files"], cfg["nproc"]) == (7, 3, 33, 80)
    assert cfg["address_space_mb"] == 600 + 8192 and cfg["seccomp"] == ""
    pooled = environment.launcher_config(
        s, req, isolate=False, cgroup=None, workdir="/tmp/w", channel_fd=5, status_fd=6, address_space_mb=1
    )
    assert pooled["address_space_mb"] == 1 and pooled["nproc"] == 0 and not pooled["drop"]
