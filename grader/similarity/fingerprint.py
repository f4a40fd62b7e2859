"""Fingerprints of one submission, and the comparison of two.

A `Fingerprint` is the winnowed k-gram hashes of the normalised tokens (grader.similarity.normalise),
less every k-gram the task's starter code has: what the candidate was given never counts. It keeps,
per hash, the token position and source lines it came from, so two fingerprints alone give the
matching regions to show side by side; it is JSON (`to_json` / `from_json`) so the service can store
it beside the submission.

Two fingerprints are compared by what they share beyond the starter:

- score: shared hashes / the smaller fingerprint's hashes (containment, 0..1);
- shared_tokens: how many normalised tokens the shared k-grams cover (the smaller of the two sides).

A pair is flagged only when both clear the threshold: a high score alone is what two short correct
solutions have (there is little to write beyond the starter, and the API makes it alike); a copy of
anything worth copying also shares a run of the candidate's own code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from grader.similarity.normalise import normalise
from grader.similarity.winnow import kgram_hashes, winnow

K = 5  # tokens per k-gram (the noise threshold: shorter matches never count)
W = 4  # winnowing window: a match of K + W - 1 = 8 tokens is always seen
FORMAT = 2  # 2: accumulating loops normalised as comprehensions (1 read them as loops)


@dataclass(frozen=True)
class Threshold:
    """Flag a pair when score >= min_score and shared_tokens >= min_tokens."""

    min_score: float = 0.7
    min_tokens: int = 15

    def flags(self, score: float, shared_tokens: int) -> bool:
        return score >= self.min_score and shared_tokens >= self.min_tokens


DEFAULT_THRESHOLD = Threshold()


@dataclass(frozen=True)
class Entry:
    """One kept hash: where its k-gram starts (token index) and the source lines it spans."""

    hash: int
    pos: int
    first_line: int
    last_line: int


@dataclass(frozen=True)
class Fingerprint:
    """The winnowed, starter-free fingerprint of one submission."""

    k: int
    w: int
    base: str  # digest of the starter it was taken against ("" for none): only equal bases compare
    tokens: int  # normalised tokens in the submission
    own_tokens: int  # of which not covered by a k-gram of the starter
    entries: tuple[Entry, ...] = field(default_factory=tuple)

    @cached_property
    def by_hash(self) -> dict[int, list[Entry]]:
        out: dict[int, list[Entry]] = {}
        for e in self.entries:
            out.setdefault(e.hash, []).append(e)
        return out

    @property
    def hashes(self) -> frozenset[int]:
        return frozenset(self.by_hash)

    def __len__(self) -> int:
        return len(self.by_hash)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "k": self.k,
            "w": self.w,
            "base": self.base,
            "tokens": self.tokens,
            "own_tokens": self.own_tokens,
            "entries": [[e.hash, e.pos, e.first_line, e.last_line] for e in self.entries],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fingerprint:
        if data.get("format") != FORMAT:
            raise ValueError(f"fingerprint format {data.get('format')!r} is not {FORMAT}")
        return cls(
            k=int(data["k"]),
            w=int(data["w"]),
            base=str(data["base"]),
            tokens=int(data["tokens"]),
            own_tokens=int(data["own_tokens"]),
            entries=tuple(Entry(int(h), int(p), int(a), int(b)) for h, p, a, b in data["entries"]),
        )


@dataclass(frozen=True)
class Starter:
    """The base whose k-grams never count: every k-gram of the normalised starter code."""

    hashes: frozenset[int]
    digest: str

    @classmethod
    def of(cls, code: str | None, k: int = K) -> Starter:
        if not code:
            return cls(frozenset(), "")
        texts = [t.text for t in normalise(code)]
        digest = hashlib.sha256(f"{k}\0".encode() + "\x1f".join(texts).encode()).hexdigest()[:16]
        return cls(frozenset(kgram_hashes(texts, k)), digest)


def fingerprint(code: str, starter: str | Starter | None = None, *, k: int = K, w: int = W) -> Fingerprint:
    """The fingerprint of `code`, the starter's k-grams taken out (pass a `Starter` to reuse one)."""
    base = starter if isinstance(starter, Starter) else Starter.of(starter, k)
    toks = normalise(code)
    texts = [t.text for t in toks]
    hashes = kgram_hashes(texts, k)
    from_starter = [False] * len(texts)
    for i, h in enumerate(hashes):
        if h in base.hashes:
            for j in range(i, i + k):
                from_starter[j] = True
    own = [h if h not in base.hashes else -1 for h in hashes]
    entries = []
    # Winnow the runs between starter k-grams separately, so a starter hash never hides an own one.
    i = 0
    while i < len(own):
        if own[i] < 0:
            i += 1
            continue
        j = i
        while j < len(own) and own[j] >= 0:
            j += 1
        for pos, h in winnow(own[i:j], w):
            p = i + pos
            entries.append(Entry(h, p, toks[p].line, toks[p + k - 1].line))
        i = j
    return Fingerprint(
        k=k, w=w, base=base.digest, tokens=len(texts), own_tokens=from_starter.count(False), entries=tuple(entries)
    )


@dataclass(frozen=True)
class Region:
    """Matching code: lines a_first..a_last of one submission and b_first..b_last of the other."""

    a_first: int
    a_last: int
    b_first: int
    b_last: int
    tokens: int

    def to_json(self) -> dict[str, int]:
        return {
            "a_first": self.a_first,
            "a_last": self.a_last,
            "b_first": self.b_first,
            "b_last": self.b_last,
            "tokens": self.tokens,
        }


@dataclass(frozen=True)
class Match:
    """How much of the query submission is shared with `other_id` (regions: a = the query, b = other)."""

    other_id: str
    score: float
    shared_tokens: int
    shared_fingerprints: int
    flagged: bool
    regions: tuple[Region, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "other_id": self.other_id,
            "score": round(self.score, 4),
            "shared_tokens": self.shared_tokens,
            "shared_fingerprints": self.shared_fingerprints,
            "flagged": self.flagged,
            "regions": [r.to_json() for r in self.regions],
        }


def _coverage(entries: Iterable[Entry], k: int) -> int:
    covered: set[int] = set()
    for e in entries:
        covered.update(range(e.pos, e.pos + k))
    return len(covered)


def _regions(pairs: Sequence[tuple[Entry, Entry]], k: int) -> tuple[Region, ...]:
    """Shared k-grams merged into regions: overlapping or adjacent in the query and near in the other."""
    runs: list[tuple[list[int], set[int]]] = []  # [a_first, a_last, b_first, b_last, a_end, b_end], covered
    for a, b in sorted(pairs, key=lambda p: (p[0].pos, p[1].pos)):
        if runs:
            r, covered = runs[-1]
            if a.pos <= r[4] and r[5] - 4 * k <= b.pos <= r[5] + k:
                r[0], r[1] = min(r[0], a.first_line), max(r[1], a.last_line)
                r[2], r[3] = min(r[2], b.first_line), max(r[3], b.last_line)
                r[4], r[5] = max(r[4], a.pos + k), max(r[5], b.pos + k)
                covered.update(range(a.pos, a.pos + k))
                continue
        runs.append(
            ([a.first_line, a.last_line, b.first_line, b.last_line, a.pos + k, b.pos + k], set(range(a.pos, a.pos + k)))
        )
    return tuple(Region(r[0], r[1], r[2], r[3], len(c)) for r, c in runs)


def match(
    a: Fingerprint,
    b: Fingerprint,
    *,
    other_id: str = "",
    threshold: Threshold = DEFAULT_THRESHOLD,
    ignore: Collection[int] = frozenset(),
) -> Match:
    """Compare fingerprint `a` (the query) with `b`. Hashes in `ignore` (those common across the
    cohort: SimilarityIndex.common) count on neither side, as if they were starter code."""
    if (a.k, a.w, a.base) != (b.k, b.w, b.base):
        raise ValueError("fingerprints taken with different parameters or starters do not compare")
    shared = a.by_hash.keys() & b.by_hash.keys()
    smaller = min(len(a), len(b))
    if ignore:
        ign = ignore if isinstance(ignore, (set, frozenset)) else frozenset(ignore)
        shared -= ign
        smaller = min(len(a.by_hash.keys() - ign), len(b.by_hash.keys() - ign))
    score = len(shared) / smaller if smaller else 0.0
    if not shared:
        return Match(other_id, 0.0, 0, 0, False)
    tokens = min(
        _coverage((e for h in shared for e in a.by_hash[h]), a.k),
        _coverage((e for h in shared for e in b.by_hash[h]), b.k),
    )
    # A hash found more than once in b: pair it with the occurrence nearest in position.
    pairs = [(ea, min(b.by_hash[h], key=lambda eb: abs(eb.pos - ea.pos))) for h in shared for ea in a.by_hash[h]]
    return Match(other_id, score, tokens, len(shared), threshold.flags(score, tokens), _regions(pairs, a.k))


def compare(
    code_a: str, code_b: str, starter: str | Starter | None = None, *, threshold: Threshold = DEFAULT_THRESHOLD
) -> Match:
    """Fingerprint both codes against the starter and compare them (regions: a = code_a)."""
    base = starter if isinstance(starter, Starter) else Starter.of(starter)
    return match(fingerprint(code_a, base), fingerprint(code_b, base), threshold=threshold)
