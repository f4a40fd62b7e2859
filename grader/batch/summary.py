"""Pure rendering of a batch's summary.html: status counts, a histogram of scores and the pass
rate of each check per task (pictures first), then a sortable table of every candidate × task.

Self-contained (inline CSS, JS and SVG; nothing fetched). Everything that came from candidates or
their files (ids, messages) is escaped, and a Content-Security-Policy lets only this page's own
script run (pinned by its hash), so a missed escape still could not execute anything.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.batch.items import Record, Similar

BINS = 10  # histogram: 0–10 %, 10–20 %, …, 90–100 % (100 % falls in the last bin)
NOT_SCORED = ("sandbox_error", "rejected")  # no score: the grader's fault, or no readable file

SORT_JS = """
document.querySelectorAll("table.sortable th").forEach(function (th, i) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0];
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var num = th.dataset.type === "num";
    function key(row) {
      var c = row.cells[i], v = c.hasAttribute("data-v") ? c.getAttribute("data-v") : c.textContent;
      return num ? (v === "" ? null : parseFloat(v)) : v;
    }
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }  // blanks last
      var d = num ? x - y : x.localeCompare(y, undefined, {numeric: true, sensitivity: "base"});
      return d * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""

CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
h1{margin-bottom:.2em} .sub{color:#666;margin-top:0}
.chips span{display:inline-block;margin:.2em .4em .2em 0;padding:.2em .6em;border-radius:1em;background:#eee}
.chips .graded{background:#dff3e2} .chips .sandbox_error{background:#f8d7da} .chips .rejected{background:#fde9c8}
.pending{background:#fff3cd;padding:.6em 1em;border-radius:.3em}
.grid{display:flex;flex-wrap:wrap;gap:2em} .grid>div{flex:1 1 28em}
.rate{display:flex;align-items:center;margin:.25em 0;font-size:.9em}
.rate .label{flex:0 0 16em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.rate .bar{flex:1;background:#eee;height:1.1em;margin:0 .5em;border-radius:.2em}
.rate .fill{height:100%;background:#4a8;border-radius:.2em} \
.rate .pct{flex:0 0 8.5em;text-align:right;white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:.9em;margin-top:1em}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"} th[aria-sort=descending]::after{content:" \\25BC"}
td{white-space:nowrap} td.num{text-align:right} \
td.msg{white-space:normal;min-width:16em;max-width:30em;overflow-wrap:anywhere;color:#555}
.wide{overflow-x:auto} td.pass{color:#176} td.fail{color:#a22}
.pair{display:flex;gap:1em} .pair>div{flex:1 1 0;min-width:0}
.pair pre{background:#f8f8f8;border:1px solid #ddd;padding:.4em;overflow-x:auto;font-size:.8em;margin:.2em 0}
.pair mark{background:#ffe08a;display:inline-block;width:100%} .pair .ln{color:#999;user-select:none}
"""
MAX_SHOWN_LINES = 400  # per file in a flagged pair


def _pct(score: float | None, max_score: float) -> float | None:
    return None if score is None else (100.0 * score / max_score if max_score else 0.0)


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def histogram(percents: list[float], bins: int = BINS) -> list[int]:
    """Counts of scores (percent of max) per equal-width bin; 100 % goes in the last bin."""
    counts = [0] * bins
    for p in percents:
        counts[min(bins - 1, max(0, int(p * bins // 100)))] += 1
    return counts


def histogram_svg(counts: list[int], *, title: str) -> str:
    """An inline SVG bar chart of the histogram."""
    w, h, pad, bins = 440, 180, 30, len(counts)
    bw, top = (w - 2 * pad) / bins, max(counts) or 1
    bars = []
    for i, n in enumerate(counts):
        bh = (h - 2 * pad) * n / top
        x, y = pad + i * bw, h - pad - bh
        lo, hi = 100 * i // bins, 100 * (i + 1) // bins
        bars.append(
            f'<rect class="bin" x="{x + 1:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{bh:.1f}" '
            f'fill="#4a8" data-count="{n}">'
            f"<title>{lo}–{hi} %: {n}</title></rect>"
        )
        if n:
            bars.append(f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="11">{n}</text>')
        bars.append(
            f'<text x="{x:.1f}" y="{h - pad + 13:.1f}" text-anchor="middle" font-size="10" fill="#666">{lo}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>{"".join(bars)}'
        f'<text x="{w - pad}" y="{h - pad + 13}" text-anchor="middle" font-size="10" fill="#666">100 %</text></svg>'
    )


def pass_rates(records: Iterable[Record]) -> dict[str, list[tuple[str, str, int, int]]]:
    """Per task: (check id, title, passed, attempted) over records with a score, in rubric order."""
    out: dict[str, dict[str, list]] = {}
    for r in records:
        if r.status in NOT_SCORED or r.report is None:
            continue
        checks = out.setdefault(r.task_id, {})
        for c in r.report.checks:
            row = checks.setdefault(c.id, [c.id, c.title, 0, 0])
            row[2] += c.passed
            row[3] += 1
    return {t: [tuple(v) for v in checks.values()] for t, checks in sorted(out.items())}


def _rates_html(rates: list[tuple[str, str, int, int]]) -> str:
    rows = []
    for cid, title, passed, total in rates:
        pct = 100.0 * passed / total if total else 0.0
        rows.append(
            f'<div class="rate" data-check="{escape(cid)}">'
            f'<span class="label" title="{escape(title)}">{escape(cid)}</span>'
            f'<span class="bar"><span class="fill" style="width:{pct:.1f}%;display:block"></span></span>'
            f'<span class="pct">{pct:.0f} % ({passed}/{total})</span></div>'
        )
    return "".join(rows)


def _table(records: list[Record]) -> str:
    cols = [(t, c) for t, checks in pass_rates(records).items() for c, *_ in checks]
    multi = len({t for t, _ in cols}) > 1
    heads = [
        ("candidate", "text"),
        ("task", "text"),
        ("status", "text"),
        ("score", "num"),
        ("max", "num"),
        ("%", "num"),
    ]
    heads += [(f"{t}:{c}" if multi else c, "num") for t, c in cols] + [("message", "text")]
    th = "".join(f'<th data-type="{kind}">{escape(name)}</th>' for name, kind in heads)
    body = []
    for r in records:
        pct = _pct(r.score, r.max_score)
        points = {(r.task_id, c.id): c for c in r.report.checks} if r.report and r.status not in NOT_SCORED else {}
        cells = [
            f"<td>{escape(r.candidate_id)}</td>",
            f"<td>{escape(r.task_id)}</td>",
            f"<td>{escape(r.status)}</td>",
            f'<td class="num">{_num(r.score)}</td>',
            f'<td class="num">{_num(r.max_score)}</td>',
            f'<td class="num" data-v="{"" if pct is None else f"{pct:.4f}"}">'
            f"{'' if pct is None else f'{pct:.0f}'}</td>",
        ]
        for col in cols:
            c = points.get(col)
            cells.append(
                '<td class="num"></td>'
                if c is None
                else f'<td class="num {"pass" if c.passed else "fail"}" data-v="{c.points:g}">'
                f"{c.points:g}/{c.max_points:g}</td>"
            )
        cells.append(f'<td class="msg">{escape(r.message)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="sortable" id="results"><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def flagged_pairs(records: Iterable[Record]) -> list[tuple[Record, Similar]]:
    """Each flagged pair of files once (from the record whose candidate id sorts first), highest score first."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for r in records:
        for s in r.similar:
            key = (r.task_id, *sorted((r.candidate_id, s.candidate_id)))
            if s.flagged and key not in seen:
                seen.add(key)
                out.append((r, s))
    return sorted(out, key=lambda p: (-p[1].score, p[0].task_id, p[0].candidate_id, p[1].candidate_id))


def _code_html(text: str | None, marked: set[int]) -> str:
    if text is None:
        return "<pre>(source not available)</pre>"
    lines = text.splitlines()
    shown = []
    for n, line in enumerate(lines[:MAX_SHOWN_LINES], 1):
        body = f'<span class="ln">{n:>4} </span>{escape(line)}'
        shown.append(f"<mark>{body}</mark>" if n in marked else body)
    if len(lines) > MAX_SHOWN_LINES:
        shown.append(f"… {len(lines) - MAX_SHOWN_LINES} more line(s)")
    return f"<pre>{chr(10).join(shown)}</pre>"


def _pairs_html(records: list[Record], sources: Mapping[str, str]) -> str:
    pairs = flagged_pairs(records)
    if not pairs:
        return ""
    blocks = []
    for r, s in pairs:
        here = {n for a0, a1, _, _ in s.regions for n in range(a0, a1 + 1)}
        there = {n for _, _, b0, b1 in s.regions for n in range(b0, b1 + 1)}
        blocks.append(
            f'<div class="flagged" data-a="{escape(r.candidate_id)}" data-b="{escape(s.candidate_id)}">'
            f"<h3>{escape(r.candidate_id)} ↔ {escape(s.candidate_id)} ({escape(r.task_id)})</h3>"
            f'<p class="sub">score {s.score:.2f}, {s.shared_tokens} shared tokens beyond the starter; '
            "matching lines highlighted</p>"
            f'<div class="pair"><div><b>{escape(r.candidate_id)}</b>{_code_html(sources.get(r.file), here)}</div>'
            f"<div><b>{escape(s.candidate_id)}</b>{_code_html(sources.get(s.file), there)}</div></div></div>"
        )
    return (
        f'<h2 id="similar">Flagged similar pairs</h2><p class="sub">{len(pairs)} pair(s) of files of the same task '
        "sharing code beyond the starter (docs/similarity.md): evidence to look at, not a verdict.</p>"
        + "".join(blocks)
    )


def render(
    records: Iterable[Record],
    *,
    title: str = "Batch results",
    pending: int = 0,
    sources: Mapping[str, str] | None = None,
) -> str:
    """summary.html for the latest record of each candidate × task; `pending` = items not yet graded;
    `sources` (file -> text) fills the side-by-side view of flagged similar pairs."""
    rows = sorted(records, key=lambda r: (r.candidate_id, r.task_id))
    statuses = Counter(r.status for r in rows)
    chips = "".join(f'<span class="{escape(s)}">{escape(s)}: {n}</span>' for s, n in sorted(statuses.items()))
    scored = [r for r in rows if r.status not in NOT_SCORED and r.score is not None]
    rates = pass_rates(rows)
    sections = []
    for task in sorted({r.task_id for r in rows}):
        percents = [p for r in scored if r.task_id == task and (p := _pct(r.score, r.max_score)) is not None]
        mean = f"mean {sum(percents) / len(percents):.0f} %" if percents else "no scores"
        full = sum(p >= 100 for p in percents)
        sections.append(
            f'<h2>{escape(task)}</h2><p class="sub">{len(percents)} scored, {mean}, {full} with full marks</p>'
            f'<div class="grid"><div><h3>Scores (percent of max)</h3>'
            f"{histogram_svg(histogram(percents), title=f'Histogram of {task} scores')}</div>"
            f"<div><h3>Pass rate per check</h3>"
            f"{_rates_html(rates.get(task, [])) or '<p>no graded reports</p>'}</div></div>"
        )
    note = (
        f'<p class="pending">Incomplete: {pending} candidate file(s) not graded yet; '
        "run the same command with --resume.</p>"
        if pending
        else ""
    )
    script = SORT_JS.strip()
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="sub">{len(rows)} result(s)</p><div class="chips">{chips}</div>{note}'
        f"{''.join(sections)}{_pairs_html(rows, sources or {})}"
        '<h2>All results</h2><p class="sub">Click a column header to sort.</p>'
        f'<div class="wide">{_table(rows)}</div>'
        f"<script>{script}</script></body></html>"
    )
