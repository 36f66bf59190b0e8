"""The IdP health breaker shared through the store (auto contingency)."""

from datetime import datetime, timedelta

import pytest
import requests

from kvstore import MemoryStore
from vuce_client.idp_health import IdpHealth, ProbeThread, ReportingAdapter, probe


@pytest.fixture
def clock():
    return [datetime(2024, 1, 1, 12, 0, 0)]


def _health(store, clock, switches, **kw):
    return IdpHealth(
        store,
        failure_threshold=3,
        recovery_threshold=2,
        clock=lambda: clock[0],
        on_switch=lambda b, a, s: switches.append((a.active, s)),
        **kw,
    )


def test_opens_after_n_failures_and_closes_after_m_successes(clock):
    store, switches = MemoryStore(), []
    h = _health(store, clock, switches)
    assert not h.record(False).active
    assert not h.record(False).active
    clock[0] += timedelta(seconds=5)
    state = h.record(False, "call")
    assert state.active and state.changed_at == clock[0]
    assert switches == [(True, "call")]
    assert h.record(False).active and len(switches) == 1  # no second flip
    assert h.record(True).active
    state = h.record(True)
    assert not state.active
    assert switches == [(True, "call"), (False, "probe")]


def test_a_success_resets_the_failure_count(clock):
    store, switches = MemoryStore(), []
    h = _health(store, clock, switches)
    for ok in (False, False, True, False, False):
        h.record(ok)
    assert not h.state().active and switches == []


def test_every_worker_shares_the_state(clock):
    store, switches = MemoryStore(), []
    a, b = _health(store, clock, switches), _health(store, clock, switches)
    a.record(False)
    b.record(False)
    a.record(False)
    assert b.state().active
    b.reset()
    assert not a.state().active


def test_thresholds_must_be_positive():
    with pytest.raises(ValueError):
        IdpHealth(MemoryStore(), failure_threshold=0)


def test_probe_against_the_live_idp(idp):
    assert probe(idp.url, timeout=2)
    requests.put(
        f"{idp.url}/api/v1/sim/outage",
        json={"mode": "down"},
        headers={"Authorization": f"Bearer {idp.admin_token}"},
        timeout=5,
    )
    from idp.services import outage

    outage.cache._by_store.clear()
    assert not probe(idp.url, timeout=2)
    requests.put(
        f"{idp.url}/api/v1/sim/outage",
        json={"mode": "timeout", "latency_ms": 1500},
        headers={"Authorization": f"Bearer {idp.admin_token}"},
        timeout=5,
    )
    outage.cache._by_store.clear()
    assert not probe(idp.url, timeout=0.3)
    assert not probe("http://127.0.0.1:9", timeout=0.3)


def test_probe_thread_takes_one_slot_per_interval(idp, clock):
    store, switches = MemoryStore(), []
    h = _health(store, clock, switches)
    now = [1_700_000_030.0]  # mid-slot, so the two calls cannot straddle a slot boundary
    t1 = ProbeThread(h, idp.url, interval=60, timeout=2, clock=lambda: now[0])
    t2 = ProbeThread(h, idp.url, interval=60, timeout=2, clock=lambda: now[0])
    results = [t1.run_once(), t2.run_once()]
    assert sorted(results, key=str) == [None, True]
    now[0] += 60  # the next slot: one of them probes again
    assert sorted([t2.run_once(), t1.run_once()], key=str) == [None, True]


def test_reporting_adapter_feeds_real_calls(idp, clock):
    store, switches = MemoryStore(), []
    h = _health(store, clock, switches)
    http = requests.Session()
    http.mount(idp.url + "/", ReportingAdapter(h))
    assert http.get(f"{idp.url}/jwks", timeout=2).ok
    assert h.state().consecutive_successes == 1
    bad = requests.Session()
    bad.mount("http://127.0.0.1:9/", ReportingAdapter(h))
    for _ in range(3):
        with pytest.raises(requests.ConnectionError):
            bad.get("http://127.0.0.1:9/jwks", timeout=0.3)
    assert h.state().active and switches == [(True, "call")]
