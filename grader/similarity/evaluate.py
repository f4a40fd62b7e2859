"""The evaluation set and its figures (docs/similarity.md): per task, the corpus's correct variants
(tests/tasks/variants/<task>/*.py whose `# expect:` line says `full`) and the task's reference are
independent solutions; each gets disguised copies (grader.similarity.disguise, seeded). At a threshold:

- recall: the share of (solution, disguised copy) pairs flagged;
- false flags: the share of pairs of independent solutions flagged;

and the time to fingerprint, index and query 1,000 submissions of one task (--bench).

    python -m grader.similarity.evaluate [--json] [--engine own|copydetect] [--bench 1000]
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from grader.settings import Settings
from grader.similarity.disguise import ALL, disguise
from grader.similarity.fingerprint import DEFAULT_THRESHOLD, Starter, Threshold, fingerprint, match
from grader.similarity.index import COMMON, MIN_COMMON, SimilarityIndex, rank
from grader.taskspec import Task, load_task, task_ids

VARIANTS = Path(__file__).resolve().parents[2] / "tests" / "tasks" / "variants"
EXPECT_FULL = re.compile(r"^#\s*expect:\s*(?:[^\n]*;\s*)?full\s*(?:;|$)", re.M)


@dataclass(frozen=True)
class Case:
    task: str
    starter: str
    solutions: dict[str, str]  # name -> code: independent correct solutions
    copies: list[tuple[str, str, str]]  # (solution name, disguise kind, code)


def solutions_of(task: Task, variants: Path = VARIANTS) -> dict[str, str]:
    """The task's reference and every corpus variant whose `# expect:` line says full marks."""
    out = {"reference": task.spec.reference}
    for p in sorted((variants / task.id).glob("*.py")):
        text = p.read_text(encoding="utf-8")
        if EXPECT_FULL.search(text):
            out[p.stem] = text
    return out


def case_of(task: Task, *, seeds: Sequence[int] = (0,), variants: Path = VARIANTS) -> Case:
    sols = solutions_of(task, variants)
    copies = [
        (name, kind, disguise(code, kind, starter=task.spec.starter, seed=seed))
        for name, code in sols.items()
        for kind in ALL
        for seed in seeds
    ]
    return Case(task.id, task.spec.starter, sols, copies)


class Engine(Protocol):
    name: str

    def prepare(self, code: str, starter: Any) -> Any: ...
    def base(self, starter: str) -> Any: ...
    def pair(self, a: Any, b: Any) -> tuple[float, int, bool]: ...


class OwnEngine:
    """grader.similarity: token normalisation, winnowing, starter subtraction, the two-part threshold,
    and the hashes common across the task's cohort left out (as a SimilarityIndex of the task's
    solutions and copies, what `grader batch` indexes, finds them; common=None: none left out)."""

    name = "own"

    def __init__(
        self, threshold: Threshold = DEFAULT_THRESHOLD, *, common: float | None = COMMON, min_common: int = MIN_COMMON
    ) -> None:
        self.threshold = threshold
        self.common, self.min_common = common, min_common
        self._ignore: frozenset[int] = frozenset()

    def base(self, starter: str) -> Starter:
        return Starter.of(starter)

    def prepare(self, code: str, starter: Starter) -> Any:
        return fingerprint(code, starter)

    def cohort(self, prepared: Sequence[Any]) -> None:
        index = SimilarityIndex(self.threshold, common=self.common, min_common=self.min_common)
        for i, fp in enumerate(prepared):
            index.add(str(i), fp)
        self._ignore = index.common()

    def pair(self, a: Any, b: Any) -> tuple[float, int, bool]:
        m = match(a, b, threshold=self.threshold, ignore=self._ignore)
        return m.score, m.shared_tokens, m.flagged


class CopydetectEngine:
    """copydetect 0.5 (pygments tokens, names -> V/F/O, winnowed character k-grams) with the starter
    as boilerplate, at its own defaults (noise 25, guarantee 30, display threshold 0.33); a pair is
    flagged when either side's similarity reaches the display threshold, as its report shows them."""

    name = "copydetect"

    def __init__(self, display: float = 0.33, k: int = 25, guarantee: int = 30) -> None:
        self.display, self.k, self.win = display, k, guarantee - k + 1

    def base(self, starter: str) -> Any:
        from copydetect import CodeFingerprint

        return sorted(CodeFingerprint("starter.py", self.k, self.win, fp=io.StringIO(starter)).hashes)

    def prepare(self, code: str, starter: Any) -> Any:
        from copydetect import CodeFingerprint

        return CodeFingerprint("s.py", self.k, self.win, boilerplate=starter, fp=io.StringIO(code))

    def pair(self, a: Any, b: Any) -> tuple[float, int, bool]:
        from copydetect import compare_files

        tokens, sims, _ = compare_files(a, b)
        score = float(max(sims))
        return score, int(tokens), score >= self.display


def _rate(n: int, d: int) -> float | None:
    return None if d == 0 else n / d


def evaluate_case(case: Case, engine: Engine) -> dict[str, Any]:
    base = engine.base(case.starter)
    prepared = {name: engine.prepare(code, base) for name, code in case.solutions.items()}
    copies = [(name, kind, engine.prepare(code, base)) for name, kind, code in case.copies]
    cohort = getattr(engine, "cohort", None)
    if cohort is not None:  # the task's whole set, as one batch would index it
        cohort([*prepared.values(), *(c for *_, c in copies)])
    by_kind: dict[str, list[bool]] = {}
    missed = []
    for name, kind, copy in copies:
        score, tokens, flagged = engine.pair(copy, prepared[name])
        by_kind.setdefault(kind, []).append(flagged)
        if not flagged:
            missed.append({"solution": name, "kind": kind, "score": round(score, 3), "shared_tokens": tokens})
    false = []
    pairs = list(itertools.combinations(sorted(prepared), 2))
    for a, b in pairs:
        score, tokens, flagged = engine.pair(prepared[a], prepared[b])
        if flagged:
            false.append({"a": a, "b": b, "score": round(score, 3), "shared_tokens": tokens})
    hits = sum(sum(v) for v in by_kind.values())
    return {
        "task": case.task,
        "solutions": len(case.solutions),
        "copies": len(case.copies),
        "copies_flagged": hits,
        "recall": _rate(hits, len(case.copies)),
        "recall_by_kind": {k: _rate(sum(v), len(v)) for k, v in by_kind.items()},
        "independent_pairs": len(pairs),
        "false_flags": len(false),
        "false_flag_rate": _rate(len(false), len(pairs)),
        "missed": missed,
        "false_flagged": false,
    }


def evaluate(cases: Iterable[Case], engine: Engine) -> dict[str, Any]:
    rows = [evaluate_case(c, engine) for c in cases]
    copies = sum(r["copies"] for r in rows)
    pairs = sum(r["independent_pairs"] for r in rows)
    kinds: dict[str, list[float]] = {}
    for r in rows:
        for k, v in r["recall_by_kind"].items():
            kinds.setdefault(k, []).append(v)
    return {
        "engine": engine.name,
        "tasks": rows,
        "overall": {
            "tasks": len(rows),
            "solutions": sum(r["solutions"] for r in rows),
            "copies": copies,
            "recall": _rate(sum(r["copies_flagged"] for r in rows), copies),
            "independent_pairs": pairs,
            "false_flag_rate": _rate(sum(r["false_flags"] for r in rows), pairs),
            "recall_by_kind": {k: sum(v) / len(v) for k, v in kinds.items()},
            "tasks_below_recall_0_95": [r["task"] for r in rows if (r["recall"] or 0) < 0.95],
            "tasks_above_false_flags_0_05": [r["task"] for r in rows if (r["false_flag_rate"] or 0) > 0.05],
        },
    }


def bench(task: Task, n: int = 1000, *, top: int = 5, sample: int = 0) -> dict[str, Any]:
    """Fingerprint, add and query n submissions of one task (the solutions and their disguised
    copies, seeded differently until there are n), as a batch or the service does one by one.
    With `sample`, afterwards: that many of them (evenly spaced) queried against the full index and
    checked against brute force (every other submission compared, in `rank` order); the time
    covers only the indexing."""
    sols = list(solutions_of(task).values())
    kinds = list(ALL)
    codes = []
    for i in range(n):
        code = sols[i % len(sols)]
        kind = kinds[(i // len(sols)) % len(kinds)]
        codes.append(disguise(code, kind, starter=task.spec.starter, seed=i))
    started = time.perf_counter()
    base = Starter.of(task.spec.starter)
    index = SimilarityIndex()
    flagged = 0
    for i, code in enumerate(codes):
        fp = fingerprint(code, base)
        flagged += any(m.flagged for m in index.query(fp, top=top))
        index.add(str(i), fp)
    elapsed = time.perf_counter() - started
    agree = 0
    for i in range(0, n, max(1, n // sample)) if sample else ():
        me = index.get(str(i))
        got = [(m.other_id, m.score, m.shared_tokens, m.flagged) for m in index.query(me, top=top, exclude={str(i)})]
        every = (index.match(me, index.get(o), other_id=o) for o in index if o != str(i))
        want = [(m.other_id, m.score, m.shared_tokens, m.flagged) for m in sorted(every, key=rank) if m.score > 0]
        agree += got == want[:top]
    out = {"task": task.id, "submissions": n, "seconds": round(elapsed, 2), "with_a_flagged_match": flagged}
    if sample:
        out |= {"sampled": len(range(0, n, max(1, n // sample))), "same_as_brute_force": agree}
    return out


def _tasks(names: str | None) -> list[Task]:
    s = Settings()
    ids = names.split(",") if names else task_ids(s.tasks_dir)
    return [load_task(t, tasks_dir=s.tasks_dir, rubrics_dir=s.rubrics_dir) for t in ids]


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.similarity.evaluate", description=__doc__.split("\n\n")[0])
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--engine", choices=("own", "copydetect"), default="own")
    p.add_argument("--tasks", help="comma-separated task ids (default: every task)")
    p.add_argument("--seeds", type=int, default=1, help="disguised copies per solution and kind")
    p.add_argument("--min-score", type=float, default=DEFAULT_THRESHOLD.min_score)
    p.add_argument("--min-tokens", type=int, default=DEFAULT_THRESHOLD.min_tokens)
    p.add_argument(
        "--common", type=float, default=COMMON, help="share of the cohort above which a hash does not count (1: off)"
    )
    p.add_argument("--min-common", type=int, default=MIN_COMMON, help="... and submissions it must be in at least")
    p.add_argument("--bench", type=int, metavar="N", help="instead: time indexing N submissions of one task")
    p.add_argument("--bench-task", default="torch-train-step")
    args = p.parse_args(argv)
    if args.bench:
        out = bench(_tasks(args.bench_task)[0], args.bench)
        print(
            json.dumps(out) if args.json else f"{out['submissions']} submissions of {out['task']}: {out['seconds']} s"
        )
        return 0
    engine: Engine = (
        OwnEngine(Threshold(args.min_score, args.min_tokens), common=args.common, min_common=args.min_common)
        if args.engine == "own"
        else CopydetectEngine()
    )
    result = evaluate((case_of(t, seeds=range(args.seeds)) for t in _tasks(args.tasks)), engine)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"engine: {engine.name}")
    print(f"{'task':28} {'sols':>4} {'copies':>6} {'recall':>8} {'pairs':>5} {'false flags':>11}")
    for r in result["tasks"]:
        print(
            f"{r['task']:28} {r['solutions']:>4} {r['copies']:>6} {_pct(r['recall']):>8} "
            f"{r['independent_pairs']:>5} {_pct(r['false_flag_rate']):>11}"
        )
    o = result["overall"]
    print(
        f"{'overall':28} {o['solutions']:>4} {o['copies']:>6} {_pct(o['recall']):>8} "
        f"{o['independent_pairs']:>5} {_pct(o['false_flag_rate']):>11}"
    )
    print("recall by disguise: " + ", ".join(f"{k} {_pct(v)}" for k, v in o["recall_by_kind"].items()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
