"""k-gram hashes of a token stream and winnowing (Schleimer, Wilkerson, Aiken 2003, as MOSS does):
of every window of `w` consecutive k-gram hashes the smallest is kept (the rightmost on ties), so
any run of at least w + k - 1 equal tokens in two streams shares at least one kept hash, and a
change only disturbs the hashes within k tokens of it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_BITS = 52  # exact in a JSON number read by JavaScript (the dashboard)
_MASK = (1 << HASH_BITS) - 1


def kgram_hashes(tokens: Sequence[str], k: int) -> list[int]:
    """One stable hash per k-gram (position i covers tokens[i:i+k]); none if there are fewer than k."""
    out = []
    for i in range(len(tokens) - k + 1):
        digest = hashlib.blake2b("\x1f".join(tokens[i : i + k]).encode(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "big") & _MASK)
    return out


def winnow(hashes: Sequence[int], w: int) -> list[tuple[int, int]]:
    """(position, hash) of the kept hashes, in order, each position once. Fewer hashes than a
    window: the smallest of them (a short stream still has one fingerprint)."""
    if not hashes:
        return []
    if len(hashes) <= w:
        i = min(range(len(hashes)), key=lambda j: (hashes[j], -j))
        return [(i, hashes[i])]
    kept: list[tuple[int, int]] = []
    last = -1
    for start in range(len(hashes) - w + 1):
        window = range(start, start + w)
        i = min(window, key=lambda j: (hashes[j], -j))
        if i != last:
            kept.append((i, hashes[i]))
            last = i
    return kept
