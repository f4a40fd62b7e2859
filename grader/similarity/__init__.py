"""Similarity across a cohort: fingerprints that survive renaming, reordering, padding and dead
code, with the task's starter code as a base that never counts (docs/similarity.md).

    fp = fingerprint(code, starter=task.spec.starter)      # JSON: fp.to_json(), Fingerprint.from_json(d)
    index = SimilarityIndex(); index.add("sub-1", fp)       # one index per task (and organisation)
    index.query(fp2, top=5, exclude={"sub-2"}) -> [Match(other_id, score, shared_tokens, flagged, regions)]
    compare(code_a, code_b, starter) -> Match

A pure module: it imports nothing of the service, the batch or the CLI.
"""

from grader.similarity.fingerprint import (
    DEFAULT_THRESHOLD,
    Fingerprint,
    Match,
    Region,
    Starter,
    Threshold,
    compare,
    fingerprint,
    match,
)
from grader.similarity.index import SimilarityIndex, rank
from grader.similarity.normalise import Token, normalise

__all__ = [
    "DEFAULT_THRESHOLD",
    "Fingerprint",
    "Match",
    "Region",
    "SimilarityIndex",
    "Starter",
    "Threshold",
    "Token",
    "compare",
    "fingerprint",
    "match",
    "normalise",
    "rank",
]
