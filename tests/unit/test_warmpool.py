"""The refill loop shared by the pool and docker backends, with a fake factory."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from grader.sandbox.warmpool import WarmPool


class Factory:
    """Makes numbered items; can be told to fail, or to block until released."""

    def __init__(self) -> None:
        self.made: list[tuple] = []
        self.discarded: list[tuple] = []
        self.fail = False
        self.gate = threading.Event()
        self.gate.set()
        self._n = itertools.count()
        self.lock = threading.Lock()

    def make(self, key, specimen):
        self.gate.wait(10)
        if self.fail:
            raise RuntimeError("cannot make one")
        with self.lock:
            item = (key, specimen, next(self._n))
            self.made.append(item)
        return item

    def discard(self, item) -> None:
        with self.lock:
            self.discarded.append(item)


def _until(cond, timeout=5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


@pytest.fixture
def factory():
    return Factory()


def _pool(factory, **kw) -> WarmPool:
    return WarmPool(make=factory.make, discard=factory.discard, name="test-refill", **{"size": 2, **kw})


def test_take_on_an_empty_pool_gives_nothing_then_it_fills_to_size(factory):
    pool = _pool(factory)
    try:
        assert pool.take("a", "spec-a") is None
        _until(lambda: pool.counts().get("a") == 2)
        time.sleep(0.1)
        assert len(factory.made) == 2  # never more than size
        assert all(item[:2] == ("a", "spec-a") for item in factory.made)
    finally:
        pool.close()


def test_every_item_is_handed_out_once_and_refilled(factory):
    pool = _pool(factory)
    try:
        pool.want("a", "spec")
        _until(lambda: pool.counts().get("a") == 2)
        taken = [pool.take("a", "spec") for _ in range(2)]
        assert None not in taken and len(set(taken)) == 2
        _until(lambda: pool.counts().get("a") == 2)
        assert not set(taken) & set(pool.idle())
    finally:
        pool.close()


def test_keys_are_filled_separately_from_their_first_specimen(factory):
    pool = _pool(factory, size=1)
    try:
        pool.want("a", "first")
        pool.want("a", "second")  # the first specimen stays
        pool.take("b", "other")
        _until(lambda: pool.counts() == {"a": 1, "b": 1})
        assert {(k, s) for k, s, _ in pool.idle()} == {("a", "first"), ("b", "other")}
    finally:
        pool.close()


def test_a_factory_error_stops_the_round_and_a_later_one_retries(factory):
    factory.fail = True
    pool = _pool(factory)
    try:
        assert pool.take("a", "spec") is None
        time.sleep(0.2)
        assert pool.idle() == []
        factory.fail = False
        assert pool.take("a", "spec") is None  # wakes the loop again
        _until(lambda: pool.counts().get("a") == 2)
    finally:
        pool.close()


def test_close_discards_idle_items_and_what_is_made_after(factory):
    pool = _pool(factory)
    pool.want("a", "spec")
    _until(lambda: pool.counts().get("a") == 2)
    idle = pool.idle()
    factory.gate.clear()
    pool.take("a", "spec")  # one taken: the loop starts making another...
    time.sleep(0.1)
    pool.close()  # ...and closes meanwhile
    assert pool.closed and pool.idle() == []
    factory.gate.set()
    _until(lambda: len(factory.discarded) == len(factory.made) - 1)
    assert idle[1] in factory.discarded
    assert pool.take("a", "spec") is None  # nothing after close, and no new thread


def test_close_with_join_waits_for_the_item_being_made(factory):
    pool = _pool(factory, lazy=True, size=1)
    assert pool._thread is None  # lazy: no thread until the first take
    factory.gate.clear()
    pool.take("a", "spec")
    time.sleep(0.1)
    threading.Timer(0.2, factory.gate.set).start()
    pool.close(join_s=5)
    assert not pool._thread.is_alive()
    assert factory.discarded == factory.made  # the item made during close was discarded
    pool.close()  # idempotent


def test_a_lazy_pool_that_is_never_used_starts_no_thread(factory):
    pool = _pool(factory, lazy=True)
    pool.close(join_s=1)
    assert pool._thread is None and factory.made == []
