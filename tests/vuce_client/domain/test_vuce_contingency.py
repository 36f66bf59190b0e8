"""Contingency rules: eligibility, mode, circuit breaker and one-time links (domain.md §7)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vuce_client.domain import messages
from vuce_client.domain.contingency import (
    AUTH_METHOD,
    DEFAULT_LINK_TTL_SECONDS,
    ELIGIBLE,
    BreakerState,
    ContingencyMode,
    Ineligible,
    LinkStatus,
    breaker_step,
    classify_link,
    contingency_session_alive,
    is_contingency_active,
    is_eligible,
    is_link_expired,
    link_expires_at,
    link_message,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

# ---------------------------------------------------------------------------------------------
# Eligibility (§7 "No podrán acceder por modo contingencia", Q14)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered", "email", "updated_at", "consent", "expected"),
    [
        (False, "ana@example.pe", T0, True, (False, Ineligible.NEW_USER)),
        (True, None, T0, True, (False, Ineligible.NO_EMAIL)),
        (True, "  ", T0, True, (False, Ineligible.NO_EMAIL)),
        (True, "ana@example.pe", None, True, (False, Ineligible.EMAIL_NOT_UPDATED)),
        (True, "ana@example.pe", T0, False, (False, Ineligible.NO_CONSENT)),
        (True, "ana@example.pe", T0, True, (True, ELIGIBLE)),
        # The first failing rule, in the manual's order, is the one reported.
        (False, None, None, False, (False, Ineligible.NEW_USER)),
    ],
    ids=["new user", "no e-mail", "blank e-mail", "no update", "no consent", "eligible", "all"],
)
def test_is_eligible(registered, email, updated_at, consent, expected):
    result = is_eligible(registered, email, updated_at, consent)
    assert tuple(result) == expected
    eligible, reason = result
    assert result.eligible is eligible and result.reason == reason


# ---------------------------------------------------------------------------------------------
# Mode
# ---------------------------------------------------------------------------------------------


def test_mode_parse():
    assert ContingencyMode.parse(" AUTO ") is ContingencyMode.AUTO
    assert ContingencyMode("off") is ContingencyMode.OFF
    with pytest.raises(ValueError):
        ContingencyMode.parse("on")


@pytest.mark.parametrize(
    ("mode", "manual", "breaker_active", "expected"),
    [
        ("off", True, True, False),
        ("manual", False, True, False),
        ("manual", True, False, True),
        ("auto", False, False, False),
        ("auto", False, True, True),
        ("auto", True, False, True),
    ],
)
def test_is_contingency_active(mode, manual, breaker_active, expected):
    breaker = BreakerState(active=breaker_active)
    assert is_contingency_active(mode, manual_active=manual, breaker=breaker) is expected


def test_auto_without_breaker_state_is_off():
    assert is_contingency_active("auto", manual_active=False) is False


# ---------------------------------------------------------------------------------------------
# Circuit breaker
# ---------------------------------------------------------------------------------------------


def run(state, results, *, failures=3, recoveries=2):
    now = state.last_probe_at or T0  # the clock keeps moving across calls
    for ok in results:
        now += timedelta(seconds=5)
        state = breaker_step(state, ok, now, failures, recoveries)
    return state


def test_failures_in_a_row_switch_on():
    s = run(BreakerState(), [False, False])
    assert not s.active and s.consecutive_failures == 2
    s = run(s, [False])
    assert s.active and s.changed_at == s.last_probe_at


def test_a_success_resets_the_failure_count():
    s = run(BreakerState(), [False, False, True, False, False])
    assert not s.active and s.consecutive_failures == 2


def test_successes_in_a_row_switch_off():
    on = run(BreakerState(), [False] * 3)
    s = run(on, [True])
    assert s.active and s.consecutive_successes == 1
    s = run(s, [True])
    assert not s.active and s.changed_at == s.last_probe_at


def test_a_failure_resets_the_recovery_count():
    on = run(BreakerState(), [False] * 3)
    s = run(on, [True, False, True])
    assert s.active and s.consecutive_successes == 1


def test_changed_at_only_moves_on_transitions():
    on = run(BreakerState(), [False] * 3)
    later = run(on, [False, False])
    assert later.changed_at == on.changed_at and later.last_probe_at > on.last_probe_at


def test_thresholds_of_one():
    s = breaker_step(BreakerState(), False, T0, 1, 1)
    assert s.active
    assert not breaker_step(s, True, T0, 1, 1).active


@pytest.mark.parametrize(("f", "r"), [(0, 1), (1, 0), (-1, 3)])
def test_bad_thresholds(f, r):
    with pytest.raises(ValueError):
        breaker_step(BreakerState(), True, T0, f, r)


@given(st.lists(st.booleans(), max_size=60), st.integers(1, 5), st.integers(1, 5))
def test_breaker_matches_its_definition(results, failures, recoveries):
    s = run(BreakerState(), results, failures=failures, recoveries=recoveries)
    # Counters stay bounded (the state lives in a shared store).
    assert 0 <= s.consecutive_failures <= failures
    assert 0 <= s.consecutive_successes <= recoveries
    assert s.consecutive_failures == 0 or s.consecutive_successes == 0
    # Reference model: the breaker is on iff the last run that reached a threshold was failures.
    active, fails, oks = False, 0, 0
    for ok in results:
        fails, oks = (0, oks + 1) if ok else (fails + 1, 0)
        if not active and fails >= failures:
            active = True
        elif active and oks >= recoveries:
            active = False
    assert s.active is active


# ---------------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------------


def test_link_ttl_is_ten_minutes_by_default():
    assert DEFAULT_LINK_TTL_SECONDS == 600
    assert link_expires_at(T0) == T0 + timedelta(minutes=10)
    assert not is_link_expired(T0, T0 + timedelta(seconds=599))
    assert is_link_expired(T0, T0 + timedelta(seconds=600))
    assert is_link_expired(T0, T0 + timedelta(seconds=61), ttl_seconds=60)


def link(**kw):
    base = dict(signature_ok=True, expired=False, id_known=True, id_burned=False, is_current=True)
    base.update(kw)
    return classify_link(**base)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, LinkStatus.VALID),
        ({"signature_ok": False}, LinkStatus.INVALID),
        ({"expired": True}, LinkStatus.EXPIRED),
        ({"id_burned": True}, LinkStatus.USED),
        ({"is_current": False}, LinkStatus.SUPERSEDED),
        ({"id_known": False}, LinkStatus.INVALID),
        # Precedence
        ({"signature_ok": False, "id_burned": True, "expired": True}, LinkStatus.INVALID),
        ({"id_burned": True, "expired": True}, LinkStatus.USED),
        ({"id_burned": True, "is_current": False}, LinkStatus.USED),
        ({"expired": True, "id_known": False}, LinkStatus.EXPIRED),
        ({"expired": True, "is_current": False}, LinkStatus.EXPIRED),
        ({"id_known": False, "is_current": False}, LinkStatus.INVALID),
    ],
)
def test_classify_link(kw, expected):
    assert link(**kw) is expected


@given(st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_only_a_fully_good_link_is_valid(sig, expired, known, burned, current):
    status = classify_link(
        signature_ok=sig, expired=expired, id_known=known, id_burned=burned, is_current=current
    )
    good = sig and not expired and known and not burned and current
    assert (status is LinkStatus.VALID) is good


def test_link_messages():
    assert link_message("VALID") == "Proceda a continuar su trámite"
    texts = {link_message(s) for s in LinkStatus}
    assert len(texts) == len(LinkStatus)
    assert link_message(LinkStatus.EXPIRED) == messages.CONTINGENCY_LINK_EXPIRED


def test_session_marker():
    assert AUTH_METHOD == "CONTINGENCIA"


@pytest.mark.parametrize(
    "active,session_episode,current,alive",
    [
        (True, 3, 3, True),
        (False, 3, 3, False),  # switched off: ends at the next request
        (True, 3, 5, False),  # off and on again since: still ended
        (True, None, 0, False),  # a record without an episode is not a contingency session
    ],
)
def test_contingency_session_alive(active, session_episode, current, alive):
    assert (
        contingency_session_alive(
            active=active, session_episode=session_episode, current_episode=current
        )
        is alive
    )
