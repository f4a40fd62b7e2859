"""The dashboard in a real browser with real graded data: sign-in, each page, filters, CSV,
the submit form's live status, regrades, the shared candidate view, sign-out, a second
organisation, CSRF refusals and a wrong password."""

from __future__ import annotations

import csv
import io
import re

import httpx
from playwright.sync_api import expect

from tests.support.browser import shot
from tests.support.dashboard import PASSWORD, SYNTAX_LINE, TASK, TRACEBACK_LINE, sign_in
from tests.support.service import FULL, REFERENCE


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(dash, context):
    page = context.new_page()
    sign_in(page, dash, password="not the password")
    expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
    assert page.input_value("#email") == dash.email_a and page.input_value("#password") == ""
    shot(page, "login-wrong-password")
    sign_in(page, dash, email="nobody@acme.example")
    expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
    sign_in(page, dash, path="/cohorts")  # back to the page asked for
    expect(page).to_have_url(dash.url + "/cohorts")
    expect(page.locator("#org-name")).to_have_text(dash.store.org(dash.org_a).name)


def test_the_session_cookie_is_httponly_lax_and_only_its_hash_is_stored(dash, context):
    page = sign_in(context.new_page(), dash)
    expect(page.locator("h1")).to_have_text("Submissions")
    cookie = next(c for c in context.cookies() if c["name"] == "grader_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]  # http here; Secure on https
    import hashlib

    assert dash.store.web_session(hashlib.sha256(cookie["value"].encode()).hexdigest()) is not None
    assert dash.store.web_session(cookie["value"]) is None


def test_the_submissions_list_filters_sorts_and_pages(dash, context):
    page = sign_in(context.new_page(), dash)
    table = page.locator("#submissions tbody tr")
    expect(table).to_have_count(5)
    expect(page.locator("#result-count")).to_have_text("5 submissions")
    assert page.locator("#submissions").get_by_text("runtime error").count() == 1
    shot(page, "submissions")
    page.select_option("#f-status", "graded")
    page.fill("#f-score-min", str(FULL))
    page.get_by_role("button", name="Apply").click()
    expect(table).to_have_count(2)  # the reference and its copy
    expect(page.locator("#result-count")).to_have_text("2 submissions match these filters")
    page.fill("#f-candidate", "FULL")  # part of the id, any case
    page.get_by_role("button", name="Apply").click()
    expect(table).to_have_count(1)
    expect(table.first).to_contain_text("cand-full")
    # Score range below full marks, sorted by score ascending.
    page.goto(dash.url + f"/submissions?score_max={FULL - 0.01}&sort=score&order=asc")
    scores = [
        float(t.split("/")[0]) for t in page.locator("#submissions tbody td.num:nth-child(5)").all_text_contents()
    ]
    assert scores == sorted(scores) and all(s < FULL for s in scores) and len(scores) == 3
    # A date range: everything is from today; tomorrow onwards nothing.
    today = dash.store.get(dash.subs["full"], owner_id=dash.org_a).created_at.date()
    page.goto(dash.url + f"/submissions?since={today.isoformat()}&until={today.isoformat()}")
    expect(table).to_have_count(5)
    page.goto(dash.url + f"/submissions?since={today.replace(year=today.year + 1).isoformat()}")
    expect(page.locator("#submissions .empty")).to_contain_text("No submissions match these filters")
    page.goto(dash.url + "/submissions?score_min=abc&status=bogus")
    expect(table).to_have_count(5)
    expect(page.get_by_text("'abc' is not a score: ignored.")).to_be_visible()
    shot(page, "submissions-bad-filters")


def test_pages_of_25(dash, context):
    from grader.models import Submission

    org = dash.store.create_org("paging org")
    from grader.service.web.accounts import create_user

    create_user(dash.store, org_name="paging org", email="pager@paging.example", password=PASSWORD)
    for i in range(30):
        dash.store.add_submission(Submission(task_id=TASK, code="x = 1\n", candidate_id=f"p{i:02d}"), owner_id=org.id)
    page = sign_in(context.new_page(), dash, email="pager@paging.example")
    expect(page.locator("#page-of")).to_have_text("Page 1 of 2")
    expect(page.locator("#submissions tbody tr")).to_have_count(25)
    page.locator("#next-page").click()
    expect(page.locator("#page-of")).to_have_text("Page 2 of 2")
    expect(page.locator("#submissions tbody tr")).to_have_count(5)
    expect(page.locator("#submissions")).to_contain_text("queued")


def test_csv_export_has_the_filters_and_guards_formulas(dash, context):
    page = sign_in(context.new_page(), dash)
    page.select_option("#f-status", "graded")
    page.get_by_role("button", name="Apply").click()
    href = page.locator("#csv-export").get_attribute("href")
    assert href == "/submissions.csv?status=graded"
    with page.expect_download() as download:
        page.locator("#csv-export").click()
    text = open(download.value.path(), encoding="utf-8").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["status"] for r in rows} == {"graded"} and len(rows) == 3  # full, starter, the copy
    assert {r["id"] for r in rows} == {dash.subs["full"], dash.subs["starter"], dash.subs["injection"]}
    injected = next(r for r in rows if r["id"] == dash.subs["injection"])
    assert injected["candidate_id"] == '\'=HYPERLINK("http://x")'  # shown as text, never a formula
    full = next(r for r in rows if r["id"] == dash.subs["full"])
    assert float(full["score"]) == FULL and full["checks_passed"] == full["checks"]
    everything = context.request.get(dash.url + "/submissions.csv").text()
    assert len(list(csv.DictReader(io.StringIO(everything)))) == 5


def test_a_runtime_error_shows_the_failing_line_output_and_checks(dash, context):
    page = sign_in(context.new_page(), dash, path=f"/submissions/{dash.subs['traceback']}")
    expect(page.locator("#status")).to_contain_text("runtime error")
    expect(page.locator("#report-message")).to_contain_text("KeyError")
    expect(page.locator("#failing-lines")).to_have_text(f"Failed at line {TRACEBACK_LINE}")
    marked = page.locator(".source .hll")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text('raise KeyError("missing column")')
    expect(page.locator(f"#line-{TRACEBACK_LINE} .hll")).to_have_count(1)
    expect(page.locator("#stderr")).to_contain_text("Traceback (most recent call last)")
    expect(page.locator("#checks tbody tr.fail").first).to_contain_text("not run")
    expect(page.locator(".source .kn").first).to_have_text("import")  # highlighted by Pygments
    shot(page, "submission-runtime-error")


def test_a_syntax_error_marks_its_line(dash, context):
    page = sign_in(context.new_page(), dash, path=f"/submissions/{dash.subs['syntax']}")
    expect(page.locator("#status")).to_contain_text("syntax error")
    expect(page.locator(f"#line-{SYNTAX_LINE} .hll")).to_contain_text("def standardize(X)")


def test_a_graded_submission_shows_detail_similar_and_the_share_link(dash, context, browser):
    page = sign_in(context.new_page(), dash, path=f"/submissions/{dash.subs['starter']}")
    expect(page.locator("#score")).to_contain_text(f"/ {FULL:g}")
    failed = page.locator("#checks tbody tr.fail")
    assert failed.count() >= 1
    assert page.locator("#checks .detail").count() >= 1  # the interviewer sees the judge's detail
    shot(page, "submission-starter")
    page.goto(dash.url + f"/submissions/{dash.subs['full']}")
    expect(page.locator("#similar")).to_contain_text("=HYPERLINK")  # its near-copy
    expect(page.locator("#similar .badge.flagged")).to_have_count(1)
    share = page.locator("#share-url").input_value()
    assert share.startswith(dash.url + f"/shared/submissions/{dash.subs['full']}?expires=")
    # The candidate's view opens without a session and hides what candidates never see.
    anon = browser.new_context()
    shared = anon.new_page()
    shared.goto(dash.url + f"/shared/submissions/{dash.subs['starter']}" + share[share.index("?") :])
    assert shared.locator("#error-title").count() == 1  # the signature is for another submission
    shared.goto(share)
    expect(shared.locator("#shared-report h1")).to_have_text(f"{TASK}: {FULL:g} / {FULL:g}")
    assert shared.locator("#sign-out").count() == 0
    shot(shared, "shared-candidate-view")
    anon.close()
    starter = httpx.get(page.locator("#share-url").input_value().replace(dash.subs["full"], dash.subs["starter"]))
    assert starter.status_code == 403


def test_the_shared_view_hides_hidden_detail(dash, context):
    page = sign_in(context.new_page(), dash, path=f"/submissions/{dash.subs['starter']}")
    hidden_details = [
        row.locator(".detail").text_content()
        for row in page.locator("#checks tbody tr").all()
        if row.locator(".badge.hidden").count() and row.locator(".detail").count()
    ]
    body = httpx.get(page.locator("#share-url").input_value()).text
    for detail in hidden_details:
        assert detail not in body
    tampered = page.locator("#share-url").input_value()[:-4] + "0000"
    assert httpx.get(tampered).status_code == 403


def test_submit_through_the_form_and_watch_it_grade(dash, context):
    page = sign_in(context.new_page(), dash, path="/ui")
    expect(page).to_have_url(dash.url + "/submit")
    assert "def standardize" in page.input_value("#code")  # the starter of the chosen task
    page.fill("#code", REFERENCE)
    page.fill("#candidate", "cand-live")
    shot(page, "submit")
    page.get_by_role("button", name="Grade it").click()
    expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}$"))
    expect(page.locator("#status")).to_contain_text("graded", timeout=120_000)  # the page polled, then reloaded
    expect(page.locator("#score")).to_contain_text(f"{FULL:g} / {FULL:g}")
    shot(page, "submission-graded")
    # Bad input comes back to the form with the reason and the code kept.
    page.goto(dash.url + "/submit")
    page.fill("#code", "x" * (300 * 1024))  # over GRADER_MAX_SUBMISSION_KIB (256)
    page.get_by_role("button", name="Grade it").click()
    expect(page.locator("#submit-error")).to_contain_text("KiB limit")
    sid = page.url  # still the form
    assert sid.endswith("/submit")


def test_regrade_one_then_the_whole_cohort(dash, context):
    sid = dash.subs["starter"]
    page = sign_in(context.new_page(), dash, path=f"/submissions/{sid}")
    page.get_by_role("button", name="Regrade").click()
    expect(page.locator("#notice")).to_contain_text("Queued for a regrade")
    expect(page.locator("#versions tbody tr")).to_have_count(2, timeout=120_000)
    versions = dash.store.report_versions(sid)
    assert [v.version for v in versions] == [1, 2]
    shot(page, "submission-versions")
    page.goto(dash.url + f"/cohorts/{TASK}")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=re.compile("Regrade all")).click()
    expect(page.locator("#notice")).to_contain_text("queued for a regrade")
    n = int(page.locator("#notice").text_content().split()[0])
    assert n >= 5


def test_the_cohort_page(dash, context):
    page = sign_in(context.new_page(), dash, path=f"/cohorts/{TASK}")
    expect(page.locator("h1")).not_to_be_empty()
    bars = page.locator("#histogram rect.bar")
    expect(bars).to_have_count(10)
    counts = [int(b.get_attribute("data-count")) for b in bars.all()]
    completed = int(page.locator(".tile .value").first.text_content())
    assert sum(counts) >= 3 and counts[-1] >= 2  # the reference and its copy in the top band
    assert completed >= sum(counts)
    rates = page.locator("#check-rates tbody tr")
    assert rates.count() >= 3
    expect(page.locator("[data-status-count='runtime_error']")).to_have_text("1")
    expect(page.locator("#slowest tbody tr").first).to_be_visible()
    shot(page, "cohort")
    page.goto(dash.url + "/cohorts")
    expect(page.locator("#cohorts tbody tr")).to_have_count(1)
    page.goto(dash.url + "/cohorts/no-such-task")
    expect(page.locator("#error-title")).to_have_text("No such cohort")


def test_tasks_show_statements_never_references(dash, context):
    page = sign_in(context.new_page(), dash, path="/tasks")
    assert page.locator("#tasks tbody tr").count() >= 2
    page.get_by_role("link", name=re.compile("Standardize", re.I)).first.click()
    expect(page).to_have_url(dash.url + f"/tasks/{TASK}")
    expect(page.locator("#statement")).not_to_be_empty()
    html = page.content()
    body_lines = [ln.strip() for ln in REFERENCE.splitlines() if len(ln.strip()) > 25 and ln.strip() not in html]
    assert body_lines, "every line of the reference appears on the task page"
    from tests.support.service import ROOT

    probes = (ROOT / "tasks" / TASK / "probes.py").read_text()
    assert not any(len(ln.strip()) > 30 and ln.strip() in html for ln in probes.splitlines())
    shot(page, "task")


def test_invitations_create_and_list(dash, context):
    page = sign_in(context.new_page(), dash, path="/invitations")
    page.select_option("#inv-test", f"task:{TASK}")
    page.get_by_label("Candidate's name").fill("Grace Hopper")
    page.get_by_label("Candidate's email").fill("grace@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#created")).to_contain_text("Invitation created for Grace Hopper")
    link = page.locator("#invite-url").input_value()
    assert re.fullmatch(re.escape(dash.url) + r"/take/[\w-]{20,}", link)
    expect(page.locator("#invitations tbody tr").first).to_contain_text("grace@example.com")
    shot(page, "invitations")
    page.goto(dash.url + "/invitations")
    assert link not in page.content()  # shown once
    page.get_by_label("Candidate's name").fill("No Task")
    page.get_by_label("Candidate's email").fill("not-an-email")
    page.select_option("#inv-test", f"task:{TASK}")
    page.locator("#inv-email").evaluate("e => e.type = 'text'")  # past the browser's own check
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#invite-error")).to_contain_text("email")


def test_sign_out_ends_the_session_for_good(dash, context):
    page = sign_in(context.new_page(), dash)
    token = next(c["value"] for c in context.cookies() if c["name"] == "grader_session")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    r = httpx.get(dash.url + "/submissions", cookies={"grader_session": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert (
        httpx.get(
            dash.url + f"/submissions/{dash.subs['full']}/status.json", cookies={"grader_session": token}
        ).status_code
        == 401
    )
    page.goto(dash.url + "/submissions")
    expect(page).to_have_url(re.compile(r"/login\?next=/submissions$"))


def test_a_second_organisation_sees_nothing_of_the_first(dash, context):
    page = sign_in(context.new_page(), dash, email=dash.email_b)
    expect(page.locator("#result-count")).to_have_text("0 submissions")
    expect(page.locator("#submissions .empty")).to_be_visible()
    for sid in dash.subs.values():
        page.goto(dash.url + f"/submissions/{sid}")
        expect(page.locator("#error-title")).to_have_text("No such submission")
        r = context.request.get(dash.url + f"/submissions/{sid}")
        assert r.status == 404
        assert context.request.get(dash.url + f"/submissions/{sid}/status.json").status == 404
    shot(page, "other-org-404")
    page.goto(dash.url + "/cohorts")
    expect(page.locator("#cohorts .empty")).to_be_visible()
    page.goto(dash.url + "/invitations")
    expect(page.locator("#invitations .empty")).to_be_visible()
    csv_text = context.request.get(dash.url + "/submissions.csv").text()
    assert len(csv_text.strip().splitlines()) == 1  # the header only
    page.goto(dash.url + f"/cohorts/{TASK}")
    expect(page.locator(".tile .value").first).to_have_text("0")
    # A regrade of A's submission by B: the 404 page, nothing queued.
    csrf = page.locator("input[name=csrf]").first.input_value()
    before = len(dash.store.report_versions(dash.subs["syntax"]))
    r = context.request.post(dash.url + f"/submissions/{dash.subs['syntax']}/regrade", form={"csrf": csrf})
    assert r.status == 404
    assert len(dash.store.report_versions(dash.subs["syntax"])) == before
    assert dash.store.get(dash.subs["syntax"], owner_id=dash.org_a).status == "completed"


def test_posts_without_the_right_csrf_token_are_refused(dash, context):
    page = sign_in(context.new_page(), dash)
    before = dash.store.org_submissions(dash.org_a, limit=None)[1]
    form = {"task": TASK, "code": REFERENCE, "candidate": "csrf"}
    for extra in ({}, {"csrf": "wrong"}):
        r = context.request.post(dash.url + "/submit", form={**form, **extra}, max_redirects=0)
        assert r.status == 403 and "This form has expired" in r.text()
    assert dash.store.org_submissions(dash.org_a, limit=None)[1] == before
    assert context.request.post(dash.url + "/logout", form={"csrf": "nope"}).status == 403
    page.goto(dash.url + "/submissions")
    expect(page.locator("h1")).to_have_text("Submissions")  # still signed in
    r = context.request.post(dash.url + f"/cohorts/{TASK}/regrade", form={}, max_redirects=0)
    assert r.status == 403
    r = context.request.post(dash.url + "/invitations", form={"test": f"task:{TASK}", "name": "x", "email": "x@y.z"})
    assert r.status == 403
    page.goto(dash.url + "/login")  # signed in already: on to the list
    anon = httpx.Client(base_url=dash.url)
    r = anon.post("/login", data={"email": dash.email_a, "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "grader_session" not in r.headers.get("set-cookie", "")
    page.goto(dash.url + "/submit")
    shot(page, "submit-form")
