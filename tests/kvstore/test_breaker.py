"""The store's circuit breaker against a real ``redis-server`` that the tests freeze (SIGSTOP)
and kill: after a few timeouts every call fails at once with ``StoreUnavailable``, the
background probe closes the breaker when Redis answers again, and the store works as before.

Latencies are printed (``-s`` shows them), never asserted: the assertions are about the state."""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from kvstore import RedisStore, StoreUnavailable
from kvstore.breaker import CLOSED, OPEN, Breaker
from tests.faults.services import private_redis  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


def _until(predicate, what: str, limit: float = 20.0) -> None:
    """Poll (a condition, not a timing claim: the limit only stops a broken test)."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}")
        time.sleep(0.02)


def _fail_fast_ms(store: RedisStore, n: int = 50) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        with pytest.raises(StoreUnavailable, match="circuit open"):
            store.get(f"k{i}")
        out.append((time.perf_counter() - t0) * 1000)
    return out


def test_frozen_redis_opens_the_breaker_then_fails_fast_and_recovers(private_redis):  # noqa: F811
    store = RedisStore.from_url(private_redis.url, threshold=3, probe_interval=0.2)
    store.set("kept", b"1")
    assert store.get("kept") == b"1" and store.breaker.state == CLOSED

    private_redis.freeze()
    try:
        slow = []
        for i in range(3):  # each waits for the client's socket timeout, then counts
            t0 = time.perf_counter()
            with pytest.raises(StoreUnavailable) as caught:
                store.get(f"slow{i}")
            slow.append(time.perf_counter() - t0)
            assert "circuit open" not in str(caught.value)  # a real timeout, not the breaker
        assert store.breaker.state == OPEN and store.breaker.opened_count == 1
        fast = _fail_fast_ms(store)
        assert store.ping() is False  # readiness says "store error" without waiting either
        assert store.breaker.state == OPEN  # the probe cannot reach a frozen server
    finally:
        private_redis.thaw()
    print(
        f"\n[breaker, frozen redis] the first 3 calls waited {', '.join(f'{s:.2f}' for s in slow)}"
        f" s; once open: median {statistics.median(fast):.3f} ms, max {max(fast):.3f} ms"
    )
    _until(lambda: store.breaker.state == CLOSED, "the probe closes the breaker after SIGCONT")
    assert store.get("kept") == b"1"  # the same server, data intact
    store.set("after", b"2", ttl=5)
    assert store.pop("after") == b"2"


def test_killed_redis_opens_the_breaker_and_a_restarted_one_closes_it(private_redis):  # noqa: F811
    store = RedisStore.from_url(private_redis.url, threshold=3, probe_interval=0.2)
    store.set("k", b"v")
    private_redis.stop()
    for _ in range(3):  # refused connections count like timeouts
        with pytest.raises(StoreUnavailable):
            store.incr("counter", ttl=10)
    assert store.breaker.state == OPEN
    fast = _fail_fast_ms(store, 20)
    private_redis.start()
    _until(lambda: store.breaker.state == CLOSED, "the probe closes the breaker after restart")
    print(f"\n[breaker, killed redis] once open: median {statistics.median(fast):.3f} ms")
    # a killed Redis lost its data; the pooled connections to the old process were dropped
    assert store.get("k") is None
    assert store.incr("counter", ttl=10) == 1
    assert store.breaker.opened_count == 1


def test_isolated_failures_do_not_open_it(private_redis):  # noqa: F811
    store = RedisStore.from_url(private_redis.url, threshold=3, probe_interval=0.2)
    store.breaker.failure()
    store.breaker.failure()
    store.set("a", b"1")  # a success in between resets the count
    store.breaker.failure()
    store.breaker.failure()
    assert store.breaker.state == CLOSED and store.get("a") == b"1"


def test_one_prober_however_many_threads_fail():
    probes = []
    gate = threading.Event()

    def probe():
        probes.append(threading.get_ident())
        return gate.is_set()

    breaker = Breaker(probe, threshold=2, probe_interval=0.01, name="test")
    threads = [threading.Thread(target=breaker.failure) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.state == OPEN and breaker.opened_count == 1
    with pytest.raises(StoreUnavailable):
        breaker.check()
    _until(lambda: len(probes) >= 3, "the prober runs")
    gate.set()
    _until(lambda: breaker.state == CLOSED, "a successful probe closes it")
    assert len(set(probes)) == 1  # one background thread did every probe
    breaker.check()  # closed: no exception
