"""Accessibility of the dashboard: every control has a label, Tab reaches the main controls in
order, and axe-core (tests/web/node_modules, `npm ci --prefix tests/web`) finds no serious or
critical violation on any page. axe runs in a context that bypasses the pages' CSP (the pages
themselves allow only their own script)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import shot
from tests.support.dashboard import TASK, sign_in

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "/submissions",
    "/submit",
    "/invitations",
    "/cohorts",
    f"/cohorts/{TASK}",
    "/tasks",
    f"/tasks/{TASK}",
]


def _controls_without_label(page) -> list[str]:
    """Visible inputs, selects and textareas with neither a <label for>, a wrapping label nor aria-label."""
    missing = []
    for el in page.locator("input:not([type=hidden]), select, textarea").all():
        ident = el.get_attribute("id") or ""
        labelled = (ident and page.locator(f"label[for='{ident}']").count() == 1) or el.get_attribute("aria-label")
        if not labelled:
            missing.append(el.evaluate("e => e.outerHTML.slice(0, 120)"))
    return missing


@pytest.mark.parametrize("path", [*PAGES, "submission"])
def test_every_control_has_a_label(dash, context, path):
    path = f"/submissions/{dash.subs['starter']}" if path == "submission" else path
    page = sign_in(context.new_page(), dash, path=path)
    expect(page.locator("main")).to_be_visible()
    assert _controls_without_label(page) == []


def test_the_sign_in_page_has_labels_too(dash, context):
    page = context.new_page()
    page.goto(dash.url + "/login")
    assert _controls_without_label(page) == []


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim().slice(0, 40)")


def test_tab_reaches_the_main_controls(dash, context):
    page = context.new_page()
    page.goto(dash.url + "/login")
    assert _focused(page) == "email"  # autofocus
    seen = []
    for _ in range(2):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
    assert seen == ["password", "sign-in"]
    page.focus("#email")
    page.keyboard.type(dash.email_a)
    page.keyboard.press("Tab")
    from tests.support.dashboard import PASSWORD

    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")  # submits from the keyboard
    expect(page.locator("h1")).to_have_text("Submissions")
    page.goto(dash.url + "/submit")
    seen = []
    for _ in range(20):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
    assert seen[0] == "Skip to content"
    for wanted in ("Submissions", "sign-out", "task", "candidate", "code", "submit"):
        assert wanted in seen, (wanted, seen)
    assert seen.index("task") < seen.index("candidate") < seen.index("code") < seen.index("submit")
    page.goto(dash.url + "/submissions")
    seen = []
    for _ in range(40):  # a date input is three stops (month, day, year) in Chromium
        page.keyboard.press("Tab")
        seen.append(_focused(page))
    for wanted in (
        "f-task",
        "f-candidate",
        "f-status",
        "f-score-min",
        "f-score-max",
        "f-since",
        "apply-filters",
        "csv-export",
    ):
        assert wanted in seen, (wanted, seen)
    page.keyboard.press("Tab")
    page.focus("#f-status")
    shot(page, "keyboard-focus")


@pytest.fixture
def axe_context(browser):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: npm ci --prefix tests/web")
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 768})
    yield ctx
    ctx.close()


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_violation(dash, axe_context):
    page = axe_context.new_page()
    page.goto(dash.url + "/login")
    problems = {"/login": _axe(page)}
    sign_in(page, dash)
    for path in [*PAGES, *(f"/submissions/{sid}" for sid in dash.subs.values())]:
        page.goto(dash.url + path)
        problems[path] = _axe(page)
    shared = page.locator("#share-url").input_value()
    page.goto(shared)
    problems["shared"] = _axe(page)
    bad = {p: v for p, v in problems.items() if v}
    assert bad == {}, json.dumps(bad, indent=1)[:4000]
