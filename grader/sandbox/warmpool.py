"""Idle, single-use sandboxes made ahead of time, per kind of request: the refill loop shared by the
pool backend (forked or pre-spawned sandboxes, grader/sandbox/pool.py) and the docker backend's
pre-started containers (grader/sandbox/docker.py).

One background thread keeps up to `size` idle items per key. It learns a key (and a request to
make its items from, the "specimen") from take() or want(), wakes when one is taken, and at least
every 5 s; an item that cannot be made ends that key's round (the caller runs cold meanwhile and
says why). Each item is handed out once; what is idle when the pool closes, or is made after it
closed, is discarded."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

REFILL_EVERY_S = 5.0


class WarmPool(Generic[K, T]):
    """make(key, specimen) -> a new idle item; discard(item) releases one that will never run.
    errors: what make() may raise (the round for that key stops); lazy: start the refill
    thread at the first take() instead of now."""

    def __init__(
        self,
        *,
        size: int,
        make: Callable[[K, Any], T],
        discard: Callable[[T], None],
        name: str,
        errors: tuple[type[BaseException], ...] = (Exception,),
        lazy: bool = False,
    ) -> None:
        self.size = size
        self._make, self._discard, self._errors, self._name = make, discard, errors, name
        self._idle: dict[K, collections.deque[T]] = collections.defaultdict(collections.deque)
        self._specimens: dict[K, Any] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        if not lazy:
            self._start()

    @property
    def closed(self) -> bool:
        return self._closed

    def want(self, key: K, specimen: Any) -> None:
        """Keep items for `key` ready from now on (made like `specimen`)."""
        with self._lock:
            self._specimens.setdefault(key, specimen)
        self._wake.set()

    def take(self, key: K, specimen: Any) -> T | None:
        """An idle item for `key`, or None when none is ready; the pool refills behind it."""
        with self._lock:
            self._specimens.setdefault(key, specimen)
            queue = self._idle[key]
            item = queue.popleft() if queue else None
            if self._thread is None and not self._closed:
                self._start()
        self._wake.set()
        return item

    def idle(self) -> list[T]:
        """Every idle item (for tests and audits)."""
        with self._lock:
            return [item for queue in self._idle.values() for item in queue]

    def counts(self) -> dict[K, int]:
        """Idle items per key."""
        with self._lock:
            return {key: len(queue) for key, queue in self._idle.items()}

    def close(self, *, join_s: float | None = None) -> None:
        """Stop refilling and discard the idle items; join_s: first wait up to that long for the
        refill thread to finish the item it may be making. Idempotent."""
        with self._lock:
            self._closed = True
            idle = [item for queue in self._idle.values() for item in queue]
            self._idle.clear()
        self._wake.set()
        if join_s is not None and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=join_s)
        for item in idle:
            self._discard(item)

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._refill_loop, daemon=True, name=self._name)
        self._thread.start()

    def _refill_loop(self) -> None:
        while not self._closed:
            self._wake.wait(timeout=REFILL_EVERY_S)
            self._wake.clear()
            with self._lock:
                specimens = list(self._specimens.items())
            for key, specimen in specimens:
                while not self._closed:
                    with self._lock:
                        if len(self._idle[key]) >= self.size:
                            break
                    try:
                        item = self._make(key, specimen)
                    except self._errors:
                        break  # runs go cold meanwhile, and say why
                    with self._lock:
                        closed = self._closed
                        if not closed:
                            self._idle[key].append(item)
                    if closed:
                        self._discard(item)
