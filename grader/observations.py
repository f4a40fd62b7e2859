"""Parse the harness's channel: untrusted bytes in, validated observations (or a tamper flag) out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError


class _ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    message: str
    traceback: str = ""


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    event: Literal["start", "ready", "compile_error", "import_error", "observation", "done"]
    probe: str | None = None
    trial: int | None = None
    value: Any = None
    error: _ErrorInfo | None = None
    line: int | None = None
    text: str | None = None
    type: str | None = None
    message: str | None = None
    traceback: str | None = None


@dataclass
class Observations:
    """What a run observed, keyed by (probe, trial)."""

    by_probe: dict[str, dict[int, dict]] = field(default_factory=dict)
    started: bool = False
    ready: bool = False
    done: bool = False
    compile_error: dict | None = None
    import_error: dict | None = None
    tampered: str | None = None

    def to_json(self) -> dict:
        return {"by_probe": {p: {str(t): o for t, o in v.items()} for p, v in self.by_probe.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "Observations":
        by = {p: {int(t): o for t, o in v.items()} for p, v in data["by_probe"].items()}
        return cls(by_probe=by, started=True, ready=True, done=True)


def parse_channel(raw: bytes, plan: list[dict]) -> Observations:
    """Validate the stream against the plan: exactly the planned observations, in order, then done.

    Only the harness writes here in a legitimate run, so any extra, duplicate, out-of-order or
    malformed line means the submission wrote to the channel itself: that is tampering.
    """
    obs = Observations()
    expected = [(p["probe"], p["trial"]) for p in plan]
    position = 0
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        lines.pop()  # a torn last line: the run died mid-write; not tampering
    for lineno, line in enumerate(lines, 1):
        try:
            msg = _Message.model_validate(json.loads(line))
        except (ValueError, ValidationError):
            obs.tampered = f"line {lineno} of the observation channel is not a harness message"
            return obs
        if obs.done:
            out_of_place = True
        elif not obs.started:
            out_of_place = msg.event != "start"
        elif not obs.ready:
            out_of_place = msg.event != "ready"
        else:
            out_of_place = msg.event in ("start", "ready")
        if out_of_place:
            obs.tampered = f"unexpected {msg.event!r} message at line {lineno}"
            return obs
        if msg.event == "start":
            obs.started = True
        elif msg.event == "ready":
            obs.ready = True
        elif msg.event == "done":
            if position != len(expected):
                obs.tampered = "'done' before every probe reported"
                return obs
            obs.done = True
        elif msg.event == "compile_error":
            obs.compile_error = {"line": msg.line, "text": msg.text or "", "message": msg.message or ""}
            obs.done = True
        elif msg.event == "import_error":
            obs.import_error = {"type": msg.type or "", "message": msg.message or "", "traceback": msg.traceback or ""}
            obs.done = True
        else:
            if position >= len(expected) or (msg.probe, msg.trial) != expected[position]:
                obs.tampered = f"observation {msg.probe}/{msg.trial} out of order at line {lineno}"
                return obs
            if (msg.value is None) == (msg.error is None):
                obs.tampered = f"observation at line {lineno} must carry exactly one of value or error"
                return obs
            entry = {"error": msg.error.model_dump()} if msg.error else {"value": msg.value}
            obs.by_probe.setdefault(msg.probe, {})[msg.trial] = entry
            position += 1
    return obs
