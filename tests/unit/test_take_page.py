"""The candidate's page (static/take.html) and the closed-link page, checked statically: well-formed HTML,
nothing loaded from elsewhere, the ids and classes the server and the browser test rely on, untrusted text
never parsed as HTML. (The browser drives the page in the end-to-end test.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import grader.service.api as api_pkg
from grader.service.api.closed_page import closed_page

TAKE = Path(api_pkg.__file__).parent / "static" / "take.html"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
URL_ATTRS = {"src", "href", "action", "formaction", "poster", "data", "srcset", "background"}


class Page(HTMLParser):
    """Collects tags, attributes and script text, and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        current = self.stack[-1] if self.stack else ""
        if current == "script":
            self.scripts.append(data)
        elif current == "style":
            self.styles.append(data)
        else:
            self.text.append(data)

    def ids(self) -> dict[str, dict[str, str | None]]:
        return {a["id"]: a | {"tag": t} for t, a in self.elements if a.get("id")}


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert page.errors == [] and page.stack == [], (page.errors, page.stack)
    assert text.lstrip().lower().startswith("<!doctype html>")
    return page


def assert_self_contained(text: str, page: Page) -> None:
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            if name in URL_ATTRS and value:
                assert not re.match(r"\s*(https?:|//)", value, re.I), f"<{tag} {name}={value!r}> loads from elsewhere"
        assert not (tag == "script" and "src" in attrs), "scripts are inline"
        assert not (tag == "link" and (attrs.get("rel") or "").lower() in {"stylesheet", "preload", "modulepreload"})
    assert not re.search(r"https?://", text, re.I), "no absolute URL anywhere (CSS url(), @import, fetch)"
    assert not re.search(r"@import|url\(", "".join(page.styles), re.I)


@pytest.fixture(scope="module")
def take() -> tuple[str, Page]:
    text = TAKE.read_text(encoding="utf-8")
    return text, parse(text)


def test_the_page_is_well_formed_and_self_contained(take):
    text, page = take
    assert len(page.elements) > 20 and len(page.scripts) == 1 and len(page.styles) == 1
    assert_self_contained(text, page)
    charset = [a for t, a in page.elements if t == "meta" and "charset" in a]
    assert charset and (charset[0]["charset"] or "").lower() == "utf-8"
    referrer = [a for t, a in page.elements if t == "meta" and a.get("name") == "referrer"]
    assert referrer and referrer[0]["content"] == "no-referrer"  # the token in the address is not sent on


def test_the_page_has_the_elements_the_server_and_the_browser_test_use(take):
    text, page = take
    ids = page.ids()
    for needed in ("countdown", "finish", "finish-confirm", "error"):
        assert needed in ids, needed
    assert ids["error"]["role"] == "alert"
    assert ids["finish"]["tag"] == ids["finish-confirm"]["tag"] == "button"
    script = page.scripts[0]
    # Created per task by the script: the section, the editor, the indicator, the button, the closed message.
    for created in (
        r'el\("section", \{ class: "task", "data-task-id": id',
        r'el\("textarea", \{\s*class: "editor", "aria-label": "Code for " \+ task\.title, spellcheck: "false"',
        r'class: "draft-status"',
        r'class: "submit-task',
        r'el\("p", \{ id: "closed-message" \}',
        r"Time is up: your saved drafts were submitted",
    ):
        assert re.search(created, script), created
    assert re.search(r"textarea\.editor \{[^}]*font-family: var\(--mono\)", "".join(page.styles))


def test_the_script_talks_to_the_take_endpoints(take):
    _, page = take
    script = page.scripts[0]
    assert r"location.pathname.match(/^\/take\/([^/]+)\/?$/)" in script
    assert re.search(r'api\("GET", "/state"\)', script)
    assert re.search(r'api\("PUT", "/drafts/" \+ encodeURIComponent\(t\.id\), \{ code \}\)', script)
    assert re.search(r'api\("POST", "/submissions", \{ task_id: t\.id, code: t\.editor\.value \}\)', script)
    assert re.search(r'api\("POST", "/finish"\)', script)
    assert "resp.status === 410" in script and "err.status === 409" in script
    assert "SAVE_DELAY_MS = 800" in script and 'const INDENT = "    "' in script
    assert 'event.key !== "Tab"' in script and 'event.key === "Escape"' in script and "preventDefault()" in script


def test_untrusted_text_is_never_parsed_as_html(take):
    _, page = take
    script = page.scripts[0]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "srcdoc"):
        assert sink not in script, sink
    assert script.count("textContent") >= 5 and "createTextNode" in script


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_script_is_valid_javascript(take, tmp_path):
    _, page = take
    js = tmp_path / "take.js"
    js.write_text(page.scripts[0], encoding="utf-8")
    result = subprocess.run(["node", "--check", str(js)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_closed_page_escapes_its_input():
    text = closed_page('<script>alert("t")</script>', "Link for Bob & <b>Co</b>' expired\non 2031-05-06")
    page = parse(text)
    assert_self_contained(text, page)
    assert page.scripts == [] and not any(t in {"script", "b"} for t, _ in page.elements)
    assert "<script>" not in text and "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in text
    assert "Bob &amp; &lt;b&gt;Co&lt;/b&gt;&#x27; expired" in text
    ids = page.ids()
    assert ids["closed-message"]["tag"] == "p"
    shown = "".join(page.text)
    assert "Link for Bob & <b>Co</b>' expired\non 2031-05-06" in shown and '<script>alert("t")</script>' in shown
