"""Similarity in the service: each graded submission's fingerprint is stored (record), and an
index per organisation and task, kept in the process and topped up with what was stored since,
answers "which submissions is this one like?" without comparing all pairs (similar_to)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from grader.catalog import TaskCatalog
from grader.service.store import Store, SubmissionRow
from grader.similarity import Fingerprint, SimilarityIndex, Starter, fingerprint
from grader.taskspec import Task

log = logging.getLogger(__name__)


def record(store: Store, row: SubmissionRow, task: Task) -> None:
    """Fingerprint a graded submission against its task's starter and keep it; a failure is
    logged, never the grading's."""
    try:
        fp = fingerprint(row.code, starter=Starter.of(task.spec.starter))
        store.save_fingerprint(row.id, org_id=row.owner_id, task_id=row.task_id, data=fp.to_json())
    except Exception:  # noqa: BLE001 - similarity is a signal; the report stands without it
        log.warning("no fingerprint for submission %s", row.id, exc_info=True)


@dataclass
class _Scope:
    index: SimilarityIndex = field(default_factory=SimilarityIndex)
    seq: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Indexes:
    """The indexes of one store, one per (organisation, task), loaded incrementally."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._scopes: dict[tuple[str | None, str], _Scope] = {}
        self._lock = threading.Lock()

    def index(self, org_id: str | None, task_id: str) -> SimilarityIndex:
        with self._lock:
            scope = self._scopes.setdefault((org_id, task_id), _Scope())
        with scope.lock:
            for fr in self.store.fingerprints_after(org_id, task_id, scope.seq):
                scope.seq = fr.seq
                if fr.submission_id in scope.index:
                    scope.index.remove(fr.submission_id)  # regraded: its newer fingerprint replaces it
                try:
                    scope.index.add(fr.submission_id, Fingerprint.from_json(fr.data))
                except ValueError:  # an older format, or another starter (the task changed): not comparable
                    log.info("fingerprint of %s not comparable with %s's index", fr.submission_id, task_id)
        return scope.index


_INDEXES: dict[str, Indexes] = {}
_INDEXES_LOCK = threading.Lock()


def indexes_for(store: Store) -> Indexes:
    """The process's indexes of this database (one set per database URL)."""
    with _INDEXES_LOCK:
        return _INDEXES.setdefault(store.url, Indexes(store))


def similar_to(store: Store, catalog: TaskCatalog, row: SubmissionRow, top: int = 5) -> list[dict[str, Any]]:
    """The submissions of the same organisation and task most like this one, highest first: id,
    candidate, score, shared non-starter tokens, whether flagged, and the matching line ranges
    (a_*: this submission, b_*: the other). Empty when it has no fingerprint (not graded yet)."""
    mine = store.fingerprint_of(row.id)
    if mine is None:
        return []
    index = indexes_for(store).index(row.owner_id, row.task_id)
    try:
        matches = index.query(Fingerprint.from_json(mine.data), top=top, exclude={row.id})
    except ValueError:  # an older format or another starter: regrade it to fingerprint it again
        return []
    who = store.candidates([m.other_id for m in matches]) if matches else {}
    out = []
    for m in matches:
        j = m.to_json()
        out.append(
            {
                "submission_id": m.other_id,
                "candidate_id": who.get(m.other_id),
                "score": j["score"],
                "shared_tokens": m.shared_tokens,
                "flagged": m.flagged,
                "regions": j["regions"],
            }
        )
    return out
