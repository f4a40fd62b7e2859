"""Pure rendering of a report as JSON, Markdown (for interviewers) or HTML."""

from __future__ import annotations

import html

from grader.models import Report

# Untrusted text stays text: "<" becomes an entity, so no tag, autolink or comment can open; "["
# gets a backslash, so no link or image can (an image needs "![", a link "[" and, for a reference
# link, a definition at the start of a line, which a field never is); "&" becomes an entity so
# the text shows as written; "\\", "`", "*", "_", "~" and "|" get a backslash so code spans,
# emphasis, strike-through and table cells cannot be forged. Fields never start a line, so "#",
# ">", "-" and "1." cannot open blocks.
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;"}
_MD_ESCAPED = {c: "\\" + c for c in "\\`*_[|~"} | _MD_ENTITIES

STATUS_TEXT = {
    "graded": "graded",
    "compile_error": "syntax error: the file does not compile",
    "runtime_error": "runtime error",
    "timeout": "time limit exceeded",
    "memory_exceeded": "memory limit exceeded",
    "crashed": "crashed",
    "sandbox_error": "grader error (not the candidate's fault)",
}


def for_candidate(report: Report) -> Report:
    """A copy safe to show the candidate: hidden checks keep their feedback but lose the judge's
    detail (expected values, failing trial), and the hidden inputs stay hidden."""
    checks = [c.model_copy(update={"detail": "", "line": None}) if c.hidden else c for c in report.checks]
    return report.model_copy(update={"checks": checks, "integrity": []})


def feedback_text(check) -> str:
    """Feedback with the judge's detail in parentheses, when there is one."""
    return f"{check.feedback} ({check.detail})" if check.detail else check.feedback


def to_json(report: Report) -> str:
    """The versioned JSON integrators parse."""
    return report.model_dump_json(indent=2)


def _score(report: Report) -> str:
    return "n/a" if report.score is None else f"{report.score:g} / {report.max_score:g}"


def md_text(text: object) -> str:
    """Untrusted text as inert Markdown on one line: no HTML, links, emphasis or table breaks."""
    flat = " ".join(str(text).split())
    return "".join(_MD_ESCAPED.get(c, c) for c in flat)


def md_code(text: object) -> str:
    """Untrusted code as an inline code span: literal when rendered (no HTML, no syntax), kept
    readable, and delimited by more backticks than any run inside it."""
    flat = " ".join(str(text).split())
    ticks = "`" * (max((len(r) for r in _backtick_runs(flat)), default=0) + 1)
    return f"{ticks} {flat} {ticks}"


def _fence(text: str) -> list[str]:
    """A fenced code block that no run of backticks in `text` can close early."""
    longest = max((len(run) for run in text.split("\n") for run in _backtick_runs(run)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


def _backtick_runs(line: str) -> list[str]:
    runs, current = [], ""
    for c in line:
        if c == "`":
            current += c
        elif current:
            runs.append(current)
            current = ""
    return [*runs, current] if current else runs


def to_markdown(report: Report) -> str:
    """What an interviewer reads: score, a table of checks, feedback, output."""
    lines = [
        f"# {md_text(report.task_id)} (v{md_text(report.task_version)}): {_score(report)}",
        "",
        f"**Status:** {STATUS_TEXT[report.status.value]}" + (f" — {md_text(report.message)}" if report.message else ""),
        "",
    ]
    if report.candidate_id:
        lines += [f"**Candidate:** {md_text(report.candidate_id)}", ""]
    lines += ["| Check | Points | Result | Feedback |", "|---|---:|:---:|---|"]
    for c in report.checks:
        title = md_text(c.title) + (" *(hidden)*" if c.hidden else "")
        mark = "✅" if c.passed else "❌"
        lines.append(f"| {title} | {c.points:g}/{c.max_points:g} | {mark} | {md_text(feedback_text(c))} |")
    for w in report.warnings:
        lines += ["", f"> ⚠️ {md_text(w)}"]
    if report.integrity:
        lines += ["", "**Integrity signals** (code that works on the grader rather than the task; not scored):", ""]
        lines += [f"- line {f.line}: {md_text(f.message)} — {md_code(f.code)}" for f in report.integrity]
    for name in ("stdout", "stderr"):
        text = getattr(report, name)
        if text.strip():
            lines += [
                "",
                f"<details><summary>{name}</summary>",
                "",
                *_fence(text.rstrip()),
                "</details>",
            ]
    env = report.environment
    lines += [
        "",
        f"_Graded {report.graded_at:%Y-%m-%d %H:%M:%S} UTC in {report.duration_s:.2f} s on {md_text(env.device)}; "
        f"python {md_text(env.python)}, torch {md_text(env.torch)}, tensorflow {md_text(env.tensorflow)}; "
        f"submission sha256 {md_text(report.submission_sha256[:12])}; task v{md_text(report.task_version)}"
        + (f", rubric and probes sha256 {md_text(report.rubric_sha256[:12])}" if report.rubric_sha256 else "")
        + "._",
    ]
    return "\n".join(lines) + "\n"


def pack_to_markdown(pack) -> str:
    """A pack's combined report: a summary table, then each task's report."""
    lines = [
        f"# {md_text(pack.title)} ({pack.minutes} min): {pack.score:g} / {pack.max_score:g}",
        "",
        *([f"**Candidate:** {md_text(pack.candidate_id)}", ""] if pack.candidate_id else []),
        "| Task | Score | Status |",
        "|---|---:|---|",
    ]
    for e in pack.tasks:
        status = e.report.status.value if e.report else "not submitted"
        lines.append(f"| {md_text(e.task_id)} | {e.score:g}/{e.max_score:g} | {status} |")
    for e in pack.tasks:
        if e.report:
            lines += ["", to_markdown(e.report).replace("\n# ", "\n## ").replace("# ", "## ", 1)]
    return "\n".join(lines) + "\n"


def to_html(report: Report) -> str:
    """A standalone HTML page of the report."""
    e = html.escape
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>"
        f"{e(report.task_id)} report</title><style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em}"
        ".pass td:nth-child(3){color:green}.fail{background:#fff4f4}.warn{color:#a60}</style></head><body>"
        f"{html_section(report)}</body></html>"
    )


def html_section(report: Report) -> str:
    """The report's body as HTML (title, status, checks, output), to stand alone or in a page of several."""
    e = html.escape
    rows = "".join(
        f"<tr class={'pass' if c.passed else 'fail'}>"
        f"<td>{e(c.title)}{' <em>(hidden)</em>' if c.hidden else ''}</td>"
        f"<td>{c.points:g}/{c.max_points:g}</td><td>{'✅' if c.passed else '❌'}</td>"
        f"<td>{e(feedback_text(c))}</td></tr>"
        for c in report.checks
    )
    out = "".join(
        f"<h3>{n}</h3><pre>{e(getattr(report, n))}</pre>" for n in ("stdout", "stderr") if getattr(report, n).strip()
    )
    warn = "".join(f"<p class=warn>⚠️ {e(w)}</p>" for w in report.warnings)
    if report.integrity:
        items = "".join(f"<li>line {f.line}: {e(f.message)} <code>{e(f.code)}</code></li>" for f in report.integrity)
        warn += (
            "<div class=integrity><b>Integrity signals</b> "
            f"(code that works on the grader rather than the task; not scored):<ul>{items}</ul></div>"
        )
    return (
        f"<h1>{e(report.task_id)}: {_score(report)}</h1><p><b>Status:</b> {e(STATUS_TEXT[report.status.value])}"
        f"{' — ' + e(report.message) if report.message else ''}</p>{warn}"
        f"<table><tr><th>Check</th><th>Points</th><th>Result</th><th>Feedback</th></tr>{rows}</table>{out}"
        f"<p><small>sha256 {e(report.submission_sha256)} · task v{e(report.task_version)}"
        f"{' · rubric and probes sha256 ' + e(report.rubric_sha256[:12]) if report.rubric_sha256 else ''}"
        f" · {e(report.environment.device)}</small></p>"
    )
