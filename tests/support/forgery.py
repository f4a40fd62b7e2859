"""A forger: the whole observation stream a submission could write, derived from the reference's
(values perturbed, types and shapes kept)."""

from __future__ import annotations

import json

from grader import grading
from grader.sandbox.launcher import CHANNEL_FD


def forge(enc):
    """The reference's observation with every hidden number changed: what a forger who knows the
    structure but not the values writes."""
    if isinstance(enc, dict):
        kind = enc.get("kind")
        out = {k: forge(v) for k, v in enc.items() if k not in ("value", "values", "items")}
        if "items" in enc:
            out["items"] = (
                {k: forge(v) for k, v in enc["items"].items()}
                if isinstance(enc["items"], dict)
                else [forge(v) for v in enc["items"]]
            )
        if "value" in enc:
            out["value"] = _number(enc["value"]) if kind in ("int", "float", "object") else enc["value"]
        if "values" in enc:
            out["values"] = None if enc["values"] is None else [_number(v) for v in enc["values"]]
        return out
    return enc


def _number(v):
    if type(v) is bool:
        return not v
    if type(v) is int:
        return v + 1
    if type(v) is float:
        return v * 1.37 + 0.11
    if v in ("nan", "inf", "-inf"):
        return 0.5
    return v


def forger_code(items: list[dict], reference) -> str:
    lines = []
    for item in items:
        obs = reference.by_probe[item["probe"]][item["trial"]]
        entry = {"value": forge(obs["value"])} if "value" in obs else obs
        lines.append({"event": "observation", "probe": item["probe"], "trial": item["trial"], **entry})
    lines.append({"event": "done"})
    blob = "".join(json.dumps(m) + "\n" for m in lines)
    return f"import os\nos.write({CHANNEL_FD}, {blob.encode()!r})\nos._exit(0)\n"


def forged_report(grade, task_id: str):
    engine = grade.engine
    task = engine.task(task_id)
    items = grading.plan(task, salt=engine.settings.salt)
    reference = engine.references.get(
        task, items, sandbox=engine.sandbox, settings=engine.settings, cuda="", device="cpu"
    )
    return grade(task_id, forger_code(items, reference))
