"""The login service counts failures exactly as ``idp.domain.lockout.LockoutPolicy`` says:
a window opens with its first failure, a lock runs ``lock_seconds`` from the failure that
reaches the threshold (a clock moved by hand, no sleeping)."""

import pytest

from idp.domain.lockout import LockoutPolicy
from idp.services import login
from kvstore.memory import MemoryStore

POLICY = LockoutPolicy(
    max_failures=3,
    window_seconds=600,
    lock_seconds=60,
    captcha_after=1000,
    account_max_failures=5,
    account_window_seconds=3600,
)


@pytest.fixture
def clock():
    return [1_000.0]


@pytest.fixture
def store(clock):
    return MemoryStore(clock=lambda: clock[0])


def _wrong(store, source="10.0.0.1"):
    return login.attempt(
        store, "sol:X:OPERADO1", lambda: None, "wrong", policy=POLICY, source=source
    ).outcome


def test_failures_count_over_the_whole_window_then_lock_for_lock_seconds(store, clock):
    assert _wrong(store) == login.BAD_CREDENTIALS
    clock[0] += 500  # still inside the 600 s window, far past lock_seconds
    assert _wrong(store) == login.BAD_CREDENTIALS
    clock[0] += 80
    assert _wrong(store) == login.LOCKED  # the third failure in the window
    clock[0] += 59
    assert _wrong(store) == login.LOCKED
    clock[0] += 2  # lock_seconds after the locking failure, although the window ran on
    assert _wrong(store) == login.BAD_CREDENTIALS


def test_a_window_closes_with_its_time(store, clock):
    _wrong(store)
    _wrong(store)
    clock[0] += 601
    assert _wrong(store) == login.BAD_CREDENTIALS  # a fresh window: one failure


def test_the_account_wide_lock_also_lasts_lock_seconds(store, clock):
    for i in range(5):  # two per source: no source reaches its own threshold
        outcome = _wrong(store, source=f"10.0.0.{i // 2}")
    assert outcome == login.LOCKED
    assert _wrong(store, source="10.9.9.9") == login.LOCKED
    clock[0] += 61
    assert _wrong(store, source="10.9.9.9") == login.BAD_CREDENTIALS


def test_a_successful_login_clears_the_failures_it_counted(store):
    from idp.services import accounts, passwords

    stored = passwords.hash_password("right")
    account = accounts.Account(
        "secondary:X:OPERADO1", "secondary", "X", "OPERADO1", "ACTIVO", stored, 1
    )

    def right():
        return login.attempt(
            store, "sol:X:OPERADO1", lambda: account, "right", policy=POLICY, source="10.0.0.1"
        )

    _wrong(store)
    _wrong(store, source="10.0.0.2")
    assert right().outcome == login.OK
    counters = login._source_key("sol:X:OPERADO1", "10.0.0.1"), login._account_key("sol:X:OPERADO1")
    assert store.mget(*counters) == [None, None]
    assert _wrong(store) == login.BAD_CREDENTIALS and _wrong(store) == login.BAD_CREDENTIALS
    assert right().outcome == login.OK  # two failures, then the user: counted afresh
