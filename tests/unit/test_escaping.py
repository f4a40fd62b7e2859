"""Every untrusted field of a report is inert wherever a person reads it: Markdown (rendered by
markdown-it-py), HTML, and the terminal summary of `grader grade`."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from grader import reports
from grader.cli.grade import print_summary
from grader.models import IntegrityFinding, Status
from tests.support.records import make_report

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![x](https://evil.example/x.png)",
    "<https://evil.example>",
    "``` </details><script>alert(2)</script>",
    "a | b\n\n<iframe src=//evil.example>",
    "&lt;script&gt;",
    "[red]markup[/red] \x1b[31mred\x1b[0m \x07\x1b]0;title\x07 \x9b2J",
]
# What our own Markdown produces; anything else in the rendered page came from a payload.
OWN_TAGS = {"h1", "h2", "p", "strong", "em", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "ul", "li"}
OWN_TAGS |= {"details", "summary", "pre", "code", "small", "b", "div", "h3", "html", "head", "meta", "title"}
OWN_TAGS |= {"style", "body"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def tags_of(page: str) -> list[tuple[str, list]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def hostile_report(payload: str):
    base = make_report()
    checks = [c.model_copy(update={"feedback": payload, "detail": payload}) for c in base.checks]
    return base.model_copy(
        update={
            "task_id": "t",
            "candidate_id": payload,
            "message": payload,
            "status": Status.runtime_error,
            "checks": checks,
            "warnings": [payload],
            "stdout": payload,
            "stderr": payload,
            "integrity": [IntegrityFinding(rule="r", line=1, message=payload, code=payload)],
        }
    )


def assert_inert(page: str) -> None:
    for tag, attrs in tags_of(page):
        assert tag in OWN_TAGS, f"raw <{tag}> from untrusted text: {page}"
        for name, value in attrs:
            assert not name.startswith("on") and name not in ("src", "href"), (tag, name, value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_renders_no_html_link_or_image_from_untrusted_text(payload):
    md = reports.to_markdown(hostile_report(payload))
    page = MarkdownIt("commonmark").enable("table").render(md)
    assert_inert(page)
    assert "<script" not in page and "javascript:" not in page.replace("javascript:alert", "")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_candidates_markdown_view_is_inert_too(payload):
    md = reports.to_markdown(reports.for_candidate(hostile_report(payload)))
    assert_inert(MarkdownIt("commonmark").enable("table").render(md))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_report_escapes_every_field(payload):
    assert_inert(reports.to_html(hostile_report(payload)))


def test_markdown_keeps_the_text_readable():
    md = reports.to_markdown(hostile_report("expected 0.5, got (1, 2)"))
    assert "expected 0.5, got (1, 2)" in md


@pytest.mark.parametrize("payload", PAYLOADS)
def test_terminal_summary_prints_text_not_markup_or_escape_sequences(payload):
    out = io.StringIO()
    print_summary(hostile_report(payload), console=Console(file=out, force_terminal=True, width=200))
    text = out.getvalue()
    ours = {"\x1b[1m", "\x1b[0m", "\x1b[33m", "\x1b[31m", "\x1b[32m"}  # rich's own styles
    for seq in ours:
        text = text.replace(seq, "")
    assert "\x07" not in text and "\x9b" not in text and "\x1b]" not in text
    if "[red]" in payload:
        assert "[red]markup[/red]" in out.getvalue()  # shown literally, not as a style
