"""An index of one task's fingerprints (the service keeps one per task and organisation): a new
submission is compared with the ones already in it without scanning every pair. An inverted index
maps each hash to the submissions that have it; the candidates are those sharing at least one hash,
their shared counts come from the postings, and only the best are compared in full."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator

from grader.similarity.fingerprint import DEFAULT_THRESHOLD, Fingerprint, Match, Threshold, match


class SimilarityIndex:
    """Fingerprints by id, and hash -> ids. Fingerprints must share parameters and starter."""

    def __init__(self, threshold: Threshold = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._items: dict[str, Fingerprint] = {}
        self._postings: dict[int, set[str]] = {}
        self._kind: tuple[int, int, str] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def _check(self, fp: Fingerprint) -> None:
        kind = (fp.k, fp.w, fp.base)
        if self._kind is None:
            self._kind = kind
        elif kind != self._kind:
            raise ValueError("fingerprint taken with other parameters or another starter than the index's")

    def add(self, item_id: str, fp: Fingerprint) -> None:
        """Add (or replace) one submission's fingerprint."""
        self._check(fp)
        if item_id in self._items:
            self.remove(item_id)
        self._items[item_id] = fp
        for h in fp.by_hash:
            self._postings.setdefault(h, set()).add(item_id)

    def remove(self, item_id: str) -> None:
        fp = self._items.pop(item_id)
        for h in fp.by_hash:
            ids = self._postings[h]
            ids.discard(item_id)
            if not ids:
                del self._postings[h]

    def get(self, item_id: str) -> Fingerprint:
        return self._items[item_id]

    def query(self, fp: Fingerprint, *, top: int = 5, exclude: Collection[str] = ()) -> list[Match]:
        """The `top` submissions sharing the most with `fp`, in `rank` order (none sharing nothing)."""
        if not len(fp) or not self._items:
            return []
        self._check(fp)
        counts: Counter[str] = Counter()
        for h in fp.by_hash:
            for other in self._postings.get(h, ()):
                counts[other] += 1
        # Score and shared fingerprints are exact from the postings: only the best are compared in full.
        best = sorted(
            (-(n / min(len(fp), len(self._items[other]))), -n, other)
            for other, n in counts.items()
            if other not in exclude
        )[:top]
        return [match(fp, self._items[other], other_id=other, threshold=self.threshold) for *_, other in best]


def rank(m: Match) -> tuple[float, int, str]:
    """The order of matches: highest score first, then most shared fingerprints, then id."""
    return (-m.score, -m.shared_fingerprints, m.other_id)
