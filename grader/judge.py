"""Pure judging: compare a candidate's observations with the reference's, check by check.

Observations are the harness's plain-data encodings (see grader/harness/observe.py). NaN and inf
arrive as the strings "nan", "inf", "-inf"; a NaN is never close to anything.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from grader.models import Check

# (rtol, atol) by dtype, after torch.testing's defaults; integers and bools compare exactly.
DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "float": (1e-7, 1e-7),
}
NUMERIC = ("float", "int", "bool")


@dataclass(frozen=True)
class Verdict:
    passed: bool
    detail: str = ""
    # Why it failed: "raised" (the candidate's code raised), "type" (type or dtype), "shape"
    # (shape or length), "values", "missing" (no observation), or "" (any other reason).
    cause: str = ""
    error: dict | None = None  # the candidate's exception, when cause == "raised"


Obs = dict[str, Any]  # {"value": encoded} or {"error": {"type", "message", ...}}


def _num(v: Any) -> float:
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(v, math.nan)
    return float(v)


def _close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    x, y = _num(a), _num(b)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= atol + rtol * abs(y)  # False for NaN, as it must be


def select(enc: Any, field: str | None) -> Any:
    """The encoded sub-value at a dotted field path, or None when absent."""
    if not field:
        return enc
    for part in field.split("."):
        if not isinstance(enc, dict):
            return None
        if enc.get("kind") == "dict":
            enc = enc["items"].get(part)
        elif enc.get("kind") == "list" and part.isdigit() and int(part) < len(enc["items"]):
            enc = enc["items"][int(part)]
        else:
            return None
    return enc


def describe(enc: Any) -> str:
    """A short human description of an encoded value for feedback."""
    if not isinstance(enc, dict):
        return "nothing"
    kind = enc.get("kind")
    if kind in ("tensor", "ndarray"):
        return f"{kind} {enc['dtype']} shape {enc['shape']}"
    if kind in ("float", "int", "bool", "str"):
        v = enc.get("value")
        return f"{enc.get('type', kind)} {v!r}"[:120]
    if kind == "list":
        return f"{enc.get('type', 'list')} of {len(enc['items'])}"
    if kind == "object":
        return f"object of type {enc.get('type')}"
    return str(kind)


def _tolerance(check: Check, dtype: str) -> tuple[float, float]:
    rtol, atol = DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0))
    return (check.rtol if check.rtol is not None else rtol, check.atol if check.atol is not None else atol)


def compare(cand: Any, ref: Any, check: Check, *, approx: bool, path: str = "") -> Verdict:
    """Structural comparison of two encoded values; `approx` switches on tolerances."""
    where = f" at {path}" if path else ""
    if not isinstance(cand, dict) or not isinstance(ref, dict):
        return Verdict(cand == ref and cand is not None, f"missing value{where}")
    ck, rk = cand.get("kind"), ref.get("kind")
    if rk in ("tensor", "ndarray"):
        if ck != rk:
            return Verdict(False, f"expected a {rk}{where}, got {describe(cand)}", "type")
        if check.check_dtype and cand["dtype"] != ref["dtype"]:
            return Verdict(False, f"dtype {cand['dtype']} != expected {ref['dtype']}{where}", "type")
        if cand["shape"] != ref["shape"]:
            return Verdict(False, f"shape {cand['shape']} != expected {ref['shape']}{where}", "shape")
        cv, rv = cand.get("values"), ref.get("values")
        if cv is None or rv is None:
            return Verdict(False, f"values too large or of a kind that cannot be compared{where}", "type")
        if len(cv) != len(rv):  # the channel's validation makes this impossible; never trust zip
            return Verdict(False, f"{len(cv)} values != expected {len(rv)}{where}", "shape")
        rtol, atol = _tolerance(check, ref["dtype"]) if approx else (0.0, 0.0)
        worst, worst_i = 0.0, -1
        for i, (a, b) in enumerate(zip(cv, rv)):
            if not _close(a, b, rtol, atol):
                err = abs(_num(a) - _num(b))
                if worst_i < 0 or not (err <= worst):
                    worst, worst_i = err, i
        if worst_i >= 0:
            return Verdict(
                False,
                f"values differ{where}: element {worst_i} is {cv[worst_i]!r}, expected {rv[worst_i]!r} "
                f"(|diff| {worst:.3g} > atol {atol:g} + rtol {rtol:g}·|expected|)",
                "values",
            )
        return Verdict(True)
    if rk == "float" or (rk == "int" and approx and ck == "float"):
        if ck not in ("float", "int") or (rk == "float" and cand.get("type") != ref.get("type")):
            return Verdict(False, f"expected {ref.get('type', rk)}{where}, got {describe(cand)}", "type")
        rtol, atol = _tolerance(check, "float") if approx else (0.0, 0.0)
        if not _close(cand["value"], ref["value"], rtol, atol):
            return Verdict(False, f"{cand['value']!r} != expected {ref['value']!r}{where}", "values")
        return Verdict(True)
    if ck != rk:
        return Verdict(False, f"expected {describe(ref)}{where}, got {describe(cand)}", "type")
    if rk in ("int", "bool", "str", "none"):
        if rk == "int" and cand.get("type") != ref.get("type"):
            return Verdict(False, f"{describe(cand)} != expected {describe(ref)}{where}", "type")
        ok = cand.get("value") == ref.get("value")
        return Verdict(ok, "" if ok else f"{describe(cand)} != expected {describe(ref)}{where}", "" if ok else "values")
    if rk == "list":
        if len(cand["items"]) != len(ref["items"]):
            return Verdict(False, f"{len(cand['items'])} items != expected {len(ref['items'])}{where}", "shape")
        for i, (a, b) in enumerate(zip(cand["items"], ref["items"])):
            v = compare(a, b, check, approx=approx, path=f"{path}[{i}]")
            if not v.passed:
                return v
        return Verdict(True)
    if rk == "dict":
        if set(cand["items"]) != set(ref["items"]):
            return Verdict(
                False, f"keys {sorted(cand['items'])[:20]} != expected {sorted(ref['items'])[:20]}{where}", "shape"
            )
        for key in ref["items"]:
            v = compare(cand["items"][key], ref["items"][key], check, approx=approx, path=f"{path}.{key}".lstrip("."))
            if not v.passed:
                return v
        return Verdict(True)
    ok = cand.get("type") == ref.get("type")
    return Verdict(ok, "" if ok else f"{describe(cand)} != expected {describe(ref)}{where}", "" if ok else "type")


def plain(enc: Any) -> Any:
    """Decode an encoded scalar/list/dict to Python for literal comparisons."""
    if not isinstance(enc, dict):
        return None
    kind = enc.get("kind")
    if kind in ("bool", "int", "str", "float"):
        return enc["value"]
    if kind == "none":
        return None
    if kind == "list":
        return [plain(i) for i in enc["items"]]
    if kind == "dict":
        return {k: plain(v) for k, v in enc["items"].items()}
    if kind in ("tensor", "ndarray"):
        values = enc.get("values")
        if enc["shape"] in ([], [1]) and values and len(values) == 1:
            v = values[0]  # a scalar tensor reads as its number
            return float("nan") if isinstance(v, str) else v
        return {"dtype": enc["dtype"], "shape": enc["shape"]}
    return {"object": enc.get("type")}


def _custom(check: Check, value: Any) -> Verdict:
    vals = [select(value, f) for f in check.fields]
    if any(v is None for v in vals):
        return Verdict(False, "the probe did not produce every value this check needs")
    if check.custom == "differ":
        same = compare(vals[0], vals[1], check, approx=True)
        return Verdict(
            not same.passed,
            "" if not same.passed else f"{check.fields[0]} and {check.fields[1]} are the same",
            "" if not same.passed else "values",
        )
    if check.custom == "equal_fields":
        v = compare(vals[0], vals[1], check, approx=True)
        return Verdict(v.passed, "" if v.passed else f"{check.fields[0]} vs {check.fields[1]}: {v.detail}", v.cause)
    # decreasing: a list of numbers whose last entry is below its first, all finite
    seq = plain(vals[0])
    if not isinstance(seq, list) or len(seq) < 2 or not all(type(x) in (int, float) for x in seq):
        return Verdict(False, f"expected a list of finite numbers, got {describe(vals[0])}", "type")
    if not all(math.isfinite(x) for x in seq) or not seq[-1] < seq[0]:
        return Verdict(False, f"values did not decrease: first {seq[0]!r}, last {seq[-1]!r}", "values")
    return Verdict(True)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


_FRAME = re.compile(r'^  File "(?:[^"\n]*/)?submission\.py", line (\d+), in ', re.M)


def failing_line(err: dict | None) -> int | None:
    """The line of submission.py an exception was raised from: its innermost frame there, read
    from the traceback's frame lines only (the exception's own message, which the candidate
    controls, comes after the last frame and is not read)."""
    if not err:
        return None
    tb = str(err.get("traceback") or "")
    head = tb.rsplit("\n" + str(err.get("type") or "").rsplit(".", 1)[-1], 1)[0] if err.get("type") else tb
    frames = _FRAME.findall(head)
    return int(frames[-1]) if frames else None


def error_text(err: dict) -> str:
    """An exception as 'Type: first line of its message'."""
    msg = ANSI.sub("", err.get("message") or "").strip().splitlines()
    return f"{err.get('type')}: {msg[0][:300] if msg else ''}".rstrip(": ")


def _aspect(check: Check, cand: Any, ref: Any) -> Verdict:
    def get(enc: Any) -> Any:
        if isinstance(enc, dict) and enc.get("kind") in ("tensor", "ndarray"):
            return enc[check.aspect]
        return None

    want = check.expected if check.expected is not None else get(ref)
    got = get(cand)
    if got is None:
        return Verdict(False, f"expected a tensor, got {describe(cand)}", "type")
    ok = got == want
    return Verdict(
        ok,
        "" if ok else f"{check.aspect} {got} != expected {want}",
        "" if ok else ("shape" if check.aspect == "shape" else "type"),
    )


def judge_trial(check: Check, cand: Obs | None, ref: Obs | None) -> Verdict:
    """One check on one trial."""
    if ref is None:
        return Verdict(False, "no reference observation (grader fault)")
    if cand is None:
        return Verdict(False, "no observation: the run ended before this probe finished", "missing")
    if "error" in ref:
        if check.reference_raises is None or ref["error"].get("type") != check.reference_raises:
            return Verdict(False, f"the reference raised {ref['error'].get('type')} (grader fault)")
        if "error" in cand:
            ok = cand["error"].get("type") == check.reference_raises
            return Verdict(
                ok,
                "" if ok else f"raised {error_text(cand['error'])}, expected {check.reference_raises}",
                "" if ok else "type",
            )
        return Verdict(False, f"expected {check.reference_raises} to be raised, got a value", "values")
    if "error" in cand:
        return Verdict(False, f"raised {error_text(cand['error'])}", "raised", cand["error"])
    if check.compare == "custom":
        return _custom(check, cand["value"])
    cv = select(cand["value"], check.field)
    if check.aspect != "value":
        return _aspect(check, cv, select(ref["value"], check.field))
    if check.expected is not None:
        got = plain(cv)
        ok = got == check.expected and cv is not None
        return Verdict(ok, "" if ok else f"got {got!r}, expected {check.expected!r}", "" if ok else "values")
    rv = select(ref["value"], check.field)
    if rv is None:
        return Verdict(False, f"reference has no field {check.field!r} (grader fault)")
    if cv is None:
        return Verdict(False, f"no value for {check.field!r}", "missing")
    return compare(cv, rv, check, approx=check.compare == "allclose")


def judge(check: Check, cand: dict[int, Obs], ref: dict[int, Obs]) -> Verdict:
    """A check passes only if it passes on every trial the reference has. Never raises: the
    observations are validated, and anything the comparison cannot handle is a failed check."""
    if not ref:
        return Verdict(False, "no reference observations (grader fault)")
    for trial in sorted(ref):
        try:
            v = judge_trial(check, cand.get(trial), ref[trial])
        except Exception as exc:  # noqa: BLE001 - a malformed value fails its check, never the grader
            v = Verdict(False, f"the observation could not be compared ({type(exc).__name__})", "type")
        if not v.passed:
            return Verdict(False, f"trial {trial + 1}/{len(ref)}: {v.detail}", v.cause, v.error)
    return Verdict(True)


def reference_defects(checks: list[Check], ref: dict[str, dict[int, Obs]], plan: list[dict]) -> list[str]:
    """Why the reference's observations cannot be trusted as ground truth: every observation a
    check reads must be a value the check can use, unless the check declares that the reference
    raises there. Empty when they can be trusted."""
    defects = []
    trials: dict[str, list[int]] = {}
    for item in plan:
        trials.setdefault(item["probe"], []).append(item["trial"])
    for check in checks:
        for trial in trials.get(check.probe, []):
            where = f"probe {check.probe!r}, trial {trial} (check {check.id})"
            obs = ref.get(check.probe, {}).get(trial)
            if obs is None:
                defects.append(f"{where}: no observation")
                continue
            if "error" in obs:
                err = obs["error"]
                if check.reference_raises != err.get("type"):
                    defects.append(f"{where}: the reference raised {error_text(err)}")
                continue
            if check.reference_raises is not None:
                defects.append(f"{where}: declared to raise {check.reference_raises}, but returned a value")
                continue
            value = obs["value"]
            fields = check.fields if check.compare == "custom" else [check.field]
            for f in fields:
                enc = select(value, f)
                if enc is None:
                    defects.append(f"{where}: no field {f!r}")
                elif (
                    check.compare != "custom"
                    and enc.get("kind") in ("tensor", "ndarray")
                    and enc.get("values") is None
                    and check.aspect == "value"
                    and check.expected is None
                ):
                    defects.append(f"{where}: {f or 'the value'} is too large or not comparable")
            if check.compare == "custom" and not judge_trial(check, obs, obs).passed:
                defects.append(f"{where}: the reference fails this property itself")
    return defects
