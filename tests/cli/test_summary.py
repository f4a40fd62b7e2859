"""summary.html: escaping of untrusted text, the histogram, pass rates per check, and sorting in a
real headless browser."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import pytest

from grader.batch import summary
from grader.batch.items import Record
from grader.models import CheckResult, Environment, Report, Status

CHECKS = [("shape", 1.0), ("values", 3.0)]
EVIL = "<script>alert(1)</script>"


def record(cid: str, passed: tuple[bool, ...] | None, *, status: str = "graded", message: str = "") -> Record:
    """A record for task t with two checks; passed=None means no report (rejected)."""
    if passed is None:
        return Record(
            candidate_id=cid, task_id="t", file=f"{cid}.py", status=status, score=None, max_score=4, message=message
        )
    checks = [
        CheckResult(
            id=c, title=f"{c} title", points=p if ok else 0.0, max_points=p, passed=ok, feedback="", hidden=False
        )
        for (c, p), ok in zip(CHECKS, passed)
    ]
    score = None if status == "sandbox_error" else sum(c.points for c in checks)
    report = Report(
        task_id="t",
        task_version="1",
        candidate_id=cid,
        status=Status(status),
        score=score,
        max_score=4,
        checks=checks,
        message=message,
        duration_s=1.0,
        environment=Environment(python="3.11"),
        submission_sha256="0" * 64,
        graded_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return Record(
        candidate_id=cid,
        task_id="t",
        file=f"{cid}.py",
        status=status,
        score=score,
        max_score=4,
        message=message,
        report=report,
    )


def cohort() -> list[Record]:
    return [
        record("cand10", (True, True)),  # 100 %
        record("cand2", (True, False)),  # 25 %
        record("cand1", (False, False), status="compile_error"),  # 0 %
        record(EVIL, (True, True), message='"><img src=x onerror=alert(2)>'),  # 100 %
        record("broken", (False, False), status="sandbox_error"),  # not scored
        record("latin1", None, status="rejected", message="latin1.py: not UTF-8 text"),  # not scored
    ]


def test_histogram_bins_percentages_with_full_marks_in_the_last_bin():
    assert summary.histogram([0, 9.9, 10, 55, 99.9, 100, 100]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 3]
    assert summary.histogram([]) == [0] * 10


def test_pass_rates_count_scored_reports_only():
    rates = summary.pass_rates(cohort())
    # cand10, cand2, cand1, EVIL are scored; broken (sandbox_error) and latin1 (rejected) are not
    assert rates == {"t": [("shape", "shape title", 3, 4), ("values", "values title", 2, 4)]}


def test_render_shows_histogram_rates_and_status_counts():
    page = summary.render(cohort(), title="cohort")
    counts = [int(n) for n in re.findall(r'class="bin"[^>]*data-count="(\d+)"', page)]
    assert counts == [1, 0, 1, 0, 0, 0, 0, 0, 0, 2]
    assert re.search(r'data-check="shape".*?75 % \(3/4\)', page) and re.search(
        r'data-check="values".*?50 % \(2/4\)', page
    )
    for chip in ("graded: 3", "compile_error: 1", "sandbox_error: 1", "rejected: 1"):
        assert chip in page
    assert "Incomplete" not in page
    assert "3 candidate file(s) not graded yet" in summary.render(cohort(), pending=3)


def test_untrusted_text_is_escaped_and_no_external_resources():
    page = summary.render(cohort())
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert page.count("<script>") == 1  # only the page's own sorting script
    assert not re.search(r'(src|href)\s*=\s*"?(https?:|//)', page)


def test_renders_with_no_results():
    page = summary.render([])
    assert "0 result(s)" in page and "<tbody></tbody>" in page


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        yield b
        b.close()


def test_browser_sorts_by_clicked_column_and_runs_no_injected_script(browser, tmp_path):
    path = tmp_path / "summary.html"
    path.write_text(summary.render(cohort()), encoding="utf-8")
    page = browser.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(f"request {r.url}") if not r.url.startswith("file:") else None)
    page.goto(path.as_uri())

    def column(i: int) -> list[str]:
        return page.eval_on_selector_all("#results tbody tr", f"rows => rows.map(r => r.cells[{i}].textContent)")

    assert EVIL in column(0)  # shown as text
    page.click("#results th:has-text('score')")
    assert column(3) == ["0", "1", "4", "4", "", ""]  # ascending, blanks last
    page.click("#results th:has-text('score')")
    assert column(3) == ["4", "4", "1", "0", "", ""]
    assert page.get_attribute("#results th:has-text('score')", "aria-sort") == "descending"
    page.click("#results th:has-text('candidate')")
    names = column(0)
    assert names.index("cand2") < names.index("cand10")  # natural order, not "cand10" < "cand2"
    assert dialogs == [] and errors == []
    page.close()
