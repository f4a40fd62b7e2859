"""`grader similarity` (registered on the main CLI app): every .py file in DIR is a submission of
--task; print the pairs that share code beyond the task's starter, highest score first, and whether
each is flagged (docs/similarity.md). The logic lives in grader/similarity/; this is the edge."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from grader.cli.common import err, fail, load_settings, safe, task_or_fail
from grader.similarity import DEFAULT_THRESHOLD, SimilarityIndex, Starter, Threshold, fingerprint, rank

app = typer.Typer()

HELP = """Flag copied solutions in a cohort: every *.py file directly in DIR (hidden files skipped) is
a submission of --task. Code is normalised (names, comments, prints, formatting and dead code do not
count), fingerprinted by winnowing, and the task's starter code never counts.

A pair is flagged when its score (the share of the smaller submission's fingerprints found in the
other) reaches --threshold and the code they share beyond the starter is at least --min-tokens
normalised tokens, so two short correct solutions are not flagged for being alike.

Prints the pairs sharing anything, highest score first (a table, or a JSON list with --json, each
with the matching line ranges). Exit 0 whatever is found, 2 for bad input."""


def pairs(codes: dict[str, str], starter: str, threshold: Threshold) -> list[dict]:
    """Every pair of submissions sharing at least one fingerprint, in rank order."""
    base = Starter.of(starter)
    index = SimilarityIndex(threshold)
    for name, code in codes.items():
        index.add(name, fingerprint(code, base))
    found = []
    for name in codes:
        for m in index.query(index.get(name), top=len(codes)):
            if m.other_id != name and name < m.other_id:
                found.append((name, m))
    found.sort(key=lambda p: (rank(p[1]), p[0]))
    return [
        {
            "a": a,
            "b": m.other_id,
            "score": round(m.score, 4),
            "shared_tokens": m.shared_tokens,
            "shared_fingerprints": m.shared_fingerprints,
            "flagged": m.flagged,
            "regions": [[r.a_first, r.a_last, r.b_first, r.b_last] for r in m.regions],
        }
        for a, m in found
    ]


@app.command(name="similarity", help=HELP)
def similarity_cmd(
    folder: Path = typer.Argument(..., metavar="DIR", help="folder of *.py submissions of one task"),
    task_id: str | None = typer.Option(None, "--task", help="the task every file is a submission of"),
    as_json: bool = typer.Option(False, "--json", help="print a JSON list instead of a table"),
    threshold: float = typer.Option(
        DEFAULT_THRESHOLD.min_score, "--threshold", min=0.0, max=1.0, help="score a flagged pair reaches"
    ),
    min_tokens: int = typer.Option(
        DEFAULT_THRESHOLD.min_tokens, "--min-tokens", min=0, help="shared normalised tokens a flagged pair has"
    ),
    limit: int = typer.Option(0, "--limit", min=0, help="print only the N highest pairs (0: all)"),
) -> None:
    if not task_id:
        fail("--task is required: the task every file in DIR is a submission of (see `grader tasks`)")
    task = task_or_fail(task_id, load_settings())
    if not folder.is_dir():
        fail(f"{folder}: no such folder")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".py" and not p.name.startswith(".") and p.is_file())
    if not files:
        fail(f"{folder}: no .py files to compare")
    codes: dict[str, str] = {}
    for p in files:
        try:
            codes[p.name] = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or str(exc))
            err.print(f"skipped {safe(p.name)}: {safe(why)}", highlight=False)
    found = pairs(codes, task.spec.starter, Threshold(threshold, min_tokens))
    if limit:
        found = found[:limit]
    if as_json:
        print(json.dumps(found, indent=2))
        return
    table = Table("a", "b", "score", "shared tokens", "flagged", title=f"{task.id}: {len(codes)} submission(s)")
    for row in found:
        table.add_row(
            safe(row["a"]),
            safe(row["b"]),
            f"{row['score']:.2f}",
            str(row["shared_tokens"]),
            "FLAGGED" if row["flagged"] else "",
        )
    Console().print(table)
    flagged = sum(row["flagged"] for row in found)
    print(f"{len(found)} pair(s) sharing code beyond the starter, {flagged} flagged")
