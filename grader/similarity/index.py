"""An index of one task's fingerprints (the service keeps one per task and organisation): a new
submission is compared with the ones already in it without scanning every pair. An inverted index
maps each hash to the submissions that have it; the candidates are those sharing at least one hash,
their shared counts come from the postings, and only the best are compared in full.

The postings also give each hash's document frequency. As MOSS ignores passages found in many
programs, a hash in more than `common` of the index's submissions (and in at least `min_common` of
them) is what most correct solutions write, the API skeleton the task asks for: it counts on neither
side of a comparison, as starter code does not (docs/similarity.md). Which hashes are common is kept
up to date on every add and remove, with each submission's count of them, so a query costs no more
than without it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator

from grader.similarity.fingerprint import DEFAULT_THRESHOLD, Fingerprint, Match, Threshold, match

COMMON = 0.6  # a hash in more than this share of the cohort's submissions does not count
MIN_COMMON = 5  # ... and in at least this many: a cohort of a few keeps everything it shares


class SimilarityIndex:
    """Fingerprints by id, and hash -> ids. Fingerprints must share parameters and starter.
    `common=None` counts every hash however frequent (no cohort weighting)."""

    def __init__(
        self, threshold: Threshold = DEFAULT_THRESHOLD, *, common: float | None = COMMON, min_common: int = MIN_COMMON
    ) -> None:
        self.threshold = threshold
        self.common_share = common
        self.min_common = min_common
        self._items: dict[str, Fingerprint] = {}
        self._postings: dict[int, set[str]] = {}
        self._kind: tuple[int, int, str] | None = None
        self._common: set[int] = set()
        self._n_common: dict[str, int] = {}  # per submission: how many of its hashes are common

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

    def _is_common(self, df: int) -> bool:
        if self.common_share is None:
            return False
        return df >= self.min_common and df > self.common_share * len(self._items)

    def _refresh(self, hashes: Iterable[int]) -> None:
        """Re-decide whether each of `hashes`, and each hash common so far, is common now."""
        for h in {*hashes, *self._common}:
            ids = self._postings.get(h, ())
            now = self._is_common(len(ids))
            if now == (h in self._common):
                continue
            delta = 1 if now else -1
            for i in ids:
                self._n_common[i] += delta
            if now:
                self._common.add(h)
            else:
                self._common.discard(h)

    def add(self, item_id: str, fp: Fingerprint) -> None:
        """Add (or replace) one submission's fingerprint."""
        self._check(fp)
        if item_id in self._items:
            self.remove(item_id)
        self._items[item_id] = fp
        self._n_common[item_id] = sum(h in self._common for h in fp.by_hash)
        for h in fp.by_hash:
            self._postings.setdefault(h, set()).add(item_id)
        self._refresh(fp.by_hash)

    def remove(self, item_id: str) -> None:
        fp = self._items.pop(item_id)
        del self._n_common[item_id]
        for h in fp.by_hash:
            ids = self._postings[h]
            ids.discard(item_id)
            if not ids:
                del self._postings[h]
        # One submission fewer lowers the bar: any hash may have become common, not only fp's.
        self._refresh(self._postings if self.common_share is not None else ())

    def get(self, item_id: str) -> Fingerprint:
        return self._items[item_id]

    def common(self) -> frozenset[int]:
        """The hashes that count on neither side now: in more than `common` of the submissions."""
        return frozenset(self._common)

    def match(self, a: Fingerprint, b: Fingerprint, *, other_id: str = "") -> Match:
        """`match(a, b)` with this index's threshold and its common hashes left out."""
        return match(a, b, other_id=other_id, threshold=self.threshold, ignore=self._common)

    def query(self, fp: Fingerprint, *, top: int = 5, exclude: Collection[str] = ()) -> list[Match]:
        """The `top` submissions sharing the most with `fp`, in `rank` order (none sharing nothing
        beyond the common hashes)."""
        if not len(fp) or not self._items:
            return []
        self._check(fp)
        own = [h for h in fp.by_hash if h not in self._common]
        counts: Counter[str] = Counter()
        for h in own:
            for other in self._postings.get(h, ()):
                counts[other] += 1
        # Score and shared fingerprints are exact from the postings: only the best are compared in full.
        best = sorted(
            (-(n / min(len(own), len(self._items[other]) - self._n_common[other])), -n, other)
            for other, n in counts.items()
            if other not in exclude
        )[:top]
        return [self.match(fp, self._items[other], other_id=other) for *_, other in best]


def rank(m: Match) -> tuple[float, int, str]:
    """The order of matches: highest score first, then most shared fingerprints, then id."""
    return (-m.score, -m.shared_fingerprints, m.other_id)
