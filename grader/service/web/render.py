"""Rendering for the dashboard: the Jinja2 environment (autoescaped), the page security headers,
the candidate's code highlighted with the failing lines marked, statements as Markdown, CSV cells."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from grader.models import Report

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_URL = "/static/dashboard"
# Scripts and styles only from this site, no inline script or style, no framing, forms only here.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
STATUS_LABEL = {
    "queued": "queued",
    "running": "running",
    "graded": "graded",
    "compile_error": "syntax error",
    "runtime_error": "runtime error",
    "timeout": "timeout",
    "memory_exceeded": "memory exceeded",
    "crashed": "crashed",
    "sandbox_error": "grader error",
}
STATUSES = tuple(STATUS_LABEL)


def _when(dt: datetime | None) -> str:
    return "—" if dt is None else dt.strftime("%Y-%m-%d %H:%M UTC")


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
env.filters["when"] = _when
env.filters["num"] = _num
env.globals["STATUS_LABEL"] = STATUS_LABEL
env.globals["static"] = lambda name: f"{STATIC_URL}/{name}"


def render(request: Request, template: str, *, status: int = 200, user: Any = None, **context: Any) -> HTMLResponse:
    """A page of the dashboard with its security headers."""
    body = env.get_template(template).render(request=request, user=user, path=request.url.path, **context)
    return HTMLResponse(body, status_code=status, headers=HEADERS)


# --- the candidate's code ---------------------------------------------------------------------------
SUBMISSION_FRAME = re.compile(r'File "(?:[^"\n]*/)?submission\.py", line (\d+)')
SYNTAX_LINE = re.compile(r"syntax error on line (\d+)")
FORMATTER_STYLE = "default"


def failing_lines(report: Report | None) -> list[int]:
    """Lines of the submission where it failed: the report's error_line (a syntax error, a failed
    import) and each check's line (where its exception was raised), and the innermost frame in
    submission.py of each traceback found in the message, stderr or a check's detail (what the
    candidate printed, and reports from before those fields)."""
    if report is None:
        return []
    out: list[int] = [n for n in (report.error_line, *(c.line for c in report.checks)) if n is not None]
    m = SYNTAX_LINE.search(report.message)
    if m:
        out.append(int(m.group(1)))
    texts = [report.message, report.stderr, *(c.detail for c in report.checks)]
    for text in texts:
        for block in re.split(r"Traceback \(most recent call last\):", text):
            frames = SUBMISSION_FRAME.findall(block)
            if frames:
                out.append(int(frames[-1]))
    return sorted(set(out))


def highlighted(code: str, *, marked: Iterable[int] = (), label: str = "Code") -> Markup:
    """The code as HTML (Pygments escapes it), numbered, each line a span#line-N, marked lines wrapped
    in span.hll."""
    n_lines = code.count("\n") + 1
    formatter = HtmlFormatter(
        linenos="table",
        hl_lines=[n for n in marked if 1 <= n <= n_lines],
        linespans="line",
        cssclass="source",
        wrapcode=True,
        style=FORMATTER_STYLE,
    )
    html = highlight(code, PythonLexer(), formatter)
    # The scrolling box is focusable, so keyboard users can scroll it too.
    return Markup(f'<div class="source-scroll" tabindex="0" role="region" aria-label="{label}">{html}</div>')  # noqa: S704 - Pygments escapes the code; label is ours


def pygments_css() -> str:
    return HtmlFormatter(style=FORMATTER_STYLE, cssclass="source").get_style_defs(".source")


def markdown(text: str) -> Markup:
    """A task statement (trusted, from the catalog) as HTML; raw HTML in it stays text."""
    from markdown_it import MarkdownIt

    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))  # noqa: S704


# --- CSV ------------------------------------------------------------------------------------------------
def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or tab / CR) gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
