"""Parse the harness's channel: untrusted bytes in, validated observations (or a tamper flag) out."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.harness import protocol as P

# Bounds of what the harness can legitimately encode (grader/harness/observe.py), with room.
MAX_DEPTH = 16
MAX_ITEMS = 10_000
MAX_ELEMENTS = 200_000
MAX_STR = 5_000
MAX_INT = 2**64
FLOAT_WORDS = ("nan", "inf", "-inf")
TENSOR_FLAGS = ("requires_grad", "has_grad_fn", "contiguous")


class Malformed(ValueError):
    """An encoded value the harness could not have produced."""


def _text(v: Any, what: str, limit: int = MAX_STR) -> None:
    if type(v) is not str or len(v) > limit:
        raise Malformed(f"{what} must be a string of at most {limit} characters")


def _number(v: Any, what: str) -> None:
    t = type(v)
    if t is float:
        if not math.isfinite(v):
            raise Malformed(f"{what}: a non-finite float must be encoded as a string")
    elif t is int:
        if not -MAX_INT < v < MAX_INT:
            raise Malformed(f"{what}: integer out of range")
    elif not (t is str and v in FLOAT_WORDS) and t is not bool:
        raise Malformed(f"{what}: not a number")


def _keys(enc: dict, required: set[str], optional: frozenset[str] | set[str] = frozenset()) -> None:
    keys = set(enc)
    if not required <= keys or not keys <= required | optional:
        raise Malformed(
            f"a {enc['kind']!r} value must have keys {sorted(required)} (optional {sorted(optional)}),"
            f" got {sorted(keys)}"
        )


def validate_value(enc: Any, depth: int = 0) -> None:
    """Raise Malformed unless `enc` is a value observe.encode() could have produced: exact keys
    per kind, len(values) == prod(shape), bounded numbers, strings and sizes, bounded depth."""
    if depth > MAX_DEPTH:
        raise Malformed("value nested too deeply")
    if type(enc) is not dict or type(enc.get("kind")) is not str:
        raise Malformed("a value must be an object with a 'kind'")
    kind = enc["kind"]
    if kind == "none":
        _keys(enc, {"kind"})
    elif kind == "bool":
        _keys(enc, {"kind", "value"})
        if type(enc["value"]) is not bool:
            raise Malformed("bool value must be true or false")
    elif kind in ("int", "float"):
        _keys(enc, {"kind", "type", "value"}, {"dtype"})
        _text(enc["type"], "type", 300)
        if "dtype" in enc:
            _text(enc["dtype"], "dtype", 40)
        v = enc["value"]
        if kind == "int" and type(v) is not int:
            raise Malformed("int value must be an integer")
        if kind == "float" and not (type(v) in (float, int) or (type(v) is str and v in FLOAT_WORDS)):
            raise Malformed("float value must be a number")
        _number(v, kind)
    elif kind == "str":
        _keys(enc, {"kind", "type", "value"})
        _text(enc["type"], "type", 300)
        _text(enc["value"], "str value")
    elif kind == "list":
        _keys(enc, {"kind", "type", "items"})
        _text(enc["type"], "type", 300)
        items = enc["items"]
        if type(items) is not list or len(items) > MAX_ITEMS:
            raise Malformed(f"list items must be a list of at most {MAX_ITEMS}")
        for item in items:
            validate_value(item, depth + 1)
    elif kind == "dict":
        _keys(enc, {"kind", "items"})
        items = enc["items"]
        if type(items) is not dict or len(items) > MAX_ITEMS:
            raise Malformed(f"dict items must be an object of at most {MAX_ITEMS} entries")
        for key, item in items.items():
            _text(key, "dict key", 200)
            validate_value(item, depth + 1)
    elif kind in ("tensor", "ndarray"):
        extra = {"device", *TENSOR_FLAGS} if kind == "tensor" else set()
        _keys(enc, {"kind", "type", "dtype", "shape", "values"}, extra)
        _text(enc["type"], "type", 300)
        _text(enc["dtype"], "dtype", 40)
        if "device" in enc:
            _text(enc["device"], "device", 100)
        for flag in TENSOR_FLAGS:
            if flag in enc and type(enc[flag]) is not bool:
                raise Malformed(f"tensor {flag} must be true or false")
        shape = enc["shape"]
        if type(shape) is not list or len(shape) > 32 or not all(type(d) is int and 0 <= d < MAX_INT for d in shape):
            raise Malformed("shape must be a list of at most 32 non-negative integers")
        values = enc["values"]
        if values is not None:
            if type(values) is not list or len(values) != math.prod(shape) or len(values) > MAX_ELEMENTS:
                got = len(values) if type(values) is list else type(values).__name__
                raise Malformed(
                    f"a {kind} of shape {shape} must carry prod(shape) values (at most {MAX_ELEMENTS}), got {got}"
                )
            for v in values:
                _number(v, f"{kind} element")
    elif kind == "object":  # numpy scalars of other kinds carry their value and dtype
        _keys(enc, {"kind", "type"}, {"value", "dtype"})
        _text(enc["type"], "type", 300)
        if "dtype" in enc:
            _text(enc["dtype"], "dtype", 40)
        if enc.get("value") is not None:
            _number(enc["value"], "object value")
    else:
        raise Malformed(f"unknown kind {kind!r}")


# The channel's messages (grader/harness/protocol.py names the events and fields; the aliases are
# the names on the wire, the only ones accepted).
class _ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: str = Field(alias=P.TYPE, max_length=300)
    message: str = Field(alias=P.MESSAGE, max_length=MAX_STR)
    traceback: str = Field(default="", alias=P.TRACEBACK, max_length=MAX_STR)


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    event: Literal[P.EVENTS] = Field(alias=P.EVENT)  # type: ignore[valid-type]  # (the protocol's names)
    probe: str | None = Field(default=None, alias=P.PROBE, max_length=200)
    trial: int | None = Field(default=None, alias=P.TRIAL, ge=0, le=1000)
    value: Any = Field(default=None, alias=P.VALUE)
    error: _ErrorInfo | None = Field(default=None, alias=P.ERROR)
    line: int | None = Field(default=None, alias=P.LINE, ge=-(2**31), le=2**31)
    text: str | None = Field(default=None, alias=P.TEXT, max_length=MAX_STR)
    type: str | None = Field(default=None, alias=P.TYPE, max_length=300)
    message: str | None = Field(default=None, alias=P.MESSAGE, max_length=MAX_STR)
    traceback: str | None = Field(default=None, alias=P.TRACEBACK, max_length=MAX_STR)


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
    def from_json(cls, data: dict) -> Observations:
        """Read a cached copy back, validated like the channel (raises Malformed)."""
        if type(data) is not dict or type(data.get("by_probe")) is not dict:
            raise Malformed("cached observations must hold 'by_probe'")
        by: dict[str, dict[int, dict]] = {}
        for probe, trials in data["by_probe"].items():
            if type(trials) is not dict:
                raise Malformed("trials must be an object")
            for trial, entry in trials.items():
                if not (type(trial) is str and trial.isdigit() and len(trial) < 5):
                    raise Malformed("trial must be a small integer")
                by.setdefault(probe, {})[int(trial)] = _entry(entry)
        return cls(by_probe=by, started=True, ready=True, done=True)


def _entry(entry: Any) -> dict:
    """One stored observation, {"value": ...} or {"error": {...}}, validated."""
    if type(entry) is not dict or len(entry) != 1 or not ({"value", "error"} & set(entry)):
        raise Malformed("an observation holds exactly one of value or error")
    if "error" in entry:
        try:
            return {"error": _ErrorInfo.model_validate(entry["error"]).model_dump()}
        except ValidationError as exc:
            raise Malformed(f"malformed error: {exc.errors()[0]['msg']}") from None
    validate_value(entry["value"])
    return entry


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
        except (ValueError, ValidationError, RecursionError):
            obs.tampered = f"line {lineno} of the observation channel is not a harness message"
            return obs
        if obs.done:
            out_of_place = True
        elif not obs.started:
            out_of_place = msg.event != P.START
        elif not obs.ready:
            out_of_place = msg.event != P.READY
        else:
            out_of_place = msg.event in (P.START, P.READY)
        if out_of_place:
            obs.tampered = f"unexpected {msg.event!r} message at line {lineno}"
            return obs
        if msg.event == P.START:
            obs.started = True
        elif msg.event == P.READY:
            obs.ready = True
        elif msg.event == P.DONE:
            if position != len(expected):
                obs.tampered = "'done' before every probe reported"
                return obs
            obs.done = True
        elif msg.event == P.COMPILE_ERROR:
            obs.compile_error = {"line": msg.line, "text": msg.text or "", "message": msg.message or ""}
            obs.done = True
        elif msg.event == P.IMPORT_ERROR:
            obs.import_error = {"type": msg.type or "", "message": msg.message or "", "traceback": msg.traceback or ""}
            obs.done = True
        else:  # P.OBSERVATION
            probe, trial = msg.probe, msg.trial
            # (a plan's probes and trials are never None)
            if probe is None or trial is None or position >= len(expected) or (probe, trial) != expected[position]:
                obs.tampered = f"observation {probe}/{trial} out of order at line {lineno}"
                return obs
            if (msg.value is None) == (msg.error is None):
                obs.tampered = f"observation at line {lineno} must carry exactly one of value or error"
                return obs
            try:
                entry = {"error": msg.error.model_dump()} if msg.error else _entry({"value": msg.value})
            except (Malformed, RecursionError) as exc:
                obs.tampered = f"observation at line {lineno} is malformed: {str(exc)[:200]}"
                return obs
            obs.by_probe.setdefault(probe, {})[trial] = entry
            position += 1
    return obs
