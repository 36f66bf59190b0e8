"""Contingency authentication rules (domain.md §7, Q14, Q15), all pure.

- ``is_eligible``: who may receive a contingency link.
- ``ContingencyMode`` and ``is_contingency_active``: off / manual / auto (contract.md
  ``VUCE_CONTINGENCY``).
- ``contingency_session_alive``: a contingency session lives only in its own episode.
- ``breaker_step``: the circuit breaker that drives the auto mode from IdP health probes.
- ``classify_link``: what an opened link is: VALID / EXPIRED / USED / SUPERSEDED / INVALID.

The checks of §6.2 then run on the last known roles and status (Q15): admission
(``services.entry.admit``) takes the identity the account's snapshot keeps
(``services.accounts.last_known_identity``), as it takes the ID token's for a SOL login.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from . import messages

AUTH_METHOD = "CONTINGENCIA"  # the session marker of §7 ("auth_method=CONTINGENCIA")
DEFAULT_LINK_TTL_SECONDS = 600  # §7: "se perderá el enlace pasado los 10 minutos"
LINK_EMAIL_KIND = "contingency_link"  # the outbox ``kind`` of a link e-mail


# ---------------------------------------------------------------------------------------------
# Eligibility (§7 "No podrán acceder por modo contingencia", Q14)
# ---------------------------------------------------------------------------------------------


class Ineligible(StrEnum):
    """Why an account may not use contingency; never shown to the user (§7: same answer)."""

    NEW_USER = "NEW_USER"  # "Usuarios Nuevos": no finished VUCE registration
    NO_EMAIL = "NO_EMAIL"  # "no haya actualizado su correo": nothing to send the link to
    EMAIL_NOT_UPDATED = "EMAIL_NOT_UPDATED"  # ... or email_actualizado_en is null (Q14)
    NO_CONSENT = "NO_CONSENT"  # "no haya autorizado recibir notificaciones VUCE"


ELIGIBLE = "ELIGIBLE"


class Eligibility(NamedTuple):
    """``(eligible, reason)``; reason is ``ELIGIBLE`` or an ``Ineligible`` code."""

    eligible: bool
    reason: str


def is_eligible(
    registered: bool,
    email: str | None,
    email_updated_at: datetime | None,
    notifications_consent: bool,
) -> Eligibility:
    """Whether an account may receive a contingency link (§7 exclusions, Q14)."""
    # Order follows the manual's list; the first failing rule is the one audit-logged.
    if not registered:
        return Eligibility(False, Ineligible.NEW_USER)
    if not (email or "").strip():
        return Eligibility(False, Ineligible.NO_EMAIL)
    if email_updated_at is None:
        return Eligibility(False, Ineligible.EMAIL_NOT_UPDATED)
    if not notifications_consent:
        return Eligibility(False, Ineligible.NO_CONSENT)
    return Eligibility(True, ELIGIBLE)


# ---------------------------------------------------------------------------------------------
# Mode and circuit breaker (contract.md VUCE_CONTINGENCY = off | manual | auto)
# ---------------------------------------------------------------------------------------------


class ContingencyMode(StrEnum):
    """How contingency is switched on: never, by the operator, or by the IdP health breaker."""

    OFF = "off"
    MANUAL = "manual"
    AUTO = "auto"

    @classmethod
    def parse(cls, value: str) -> ContingencyMode:
        """Read ``VUCE_CONTINGENCY`` case-insensitively; ValueError on anything else."""
        return cls(value.strip().lower())


@dataclass(frozen=True)
class BreakerState:
    """The auto-mode circuit breaker: ``active`` means SUNAT is considered down."""

    active: bool = False
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    changed_at: datetime | None = None  # when ``active`` last flipped
    last_probe_at: datetime | None = None


def breaker_step(
    state: BreakerState,
    ok: bool,
    now: datetime,
    failure_threshold: int,
    recovery_threshold: int,
) -> BreakerState:
    """Fold one IdP health probe in: N failures in a row switch on, M successes switch off."""
    if failure_threshold < 1 or recovery_threshold < 1:
        raise ValueError("thresholds must be at least 1")
    # Counters are capped at their threshold: the state lives in a shared store and must not
    # grow without bound while the IdP stays up (or down) for weeks.
    if ok:
        successes = min(state.consecutive_successes + 1, recovery_threshold)
        new = replace(state, consecutive_failures=0, consecutive_successes=successes)
        if state.active and successes >= recovery_threshold:
            new = replace(new, active=False, changed_at=now)
    else:
        failures = min(state.consecutive_failures + 1, failure_threshold)
        new = replace(state, consecutive_failures=failures, consecutive_successes=0)
        if not state.active and failures >= failure_threshold:
            new = replace(new, active=True, changed_at=now)
    return replace(new, last_probe_at=now)


def is_contingency_active(
    mode: str, *, manual_active: bool, breaker: BreakerState | None = None
) -> bool:
    """Whether the contingency forms replace the SOL login now.

    off: never. manual: the operator's switch (``PUT /api/v1/contingency``). auto: the breaker,
    and the operator's switch can still force it on (an incident the probes do not see).
    """
    mode = ContingencyMode(mode)
    if mode is ContingencyMode.OFF:
        return False
    if mode is ContingencyMode.MANUAL:
        return manual_active
    return manual_active or (breaker is not None and breaker.active)


def contingency_session_alive(
    *, active: bool, session_episode: int | None, current_episode: int
) -> bool:
    """Whether a session opened by a contingency link may go on.

    Only while contingency is on, and only in the episode that opened it: once contingency
    switches off the person must log in with Clave SOL again, even if it is back on by the
    time the session is next used (the switch moved the episode on).
    """
    return active and session_episode == current_episode


# ---------------------------------------------------------------------------------------------
# One-time links (§7 "Recommended rules")
# ---------------------------------------------------------------------------------------------


class LinkStatus(StrEnum):
    """What an opened contingency link is; only VALID opens a session."""

    VALID = "VALID"
    EXPIRED = "EXPIRED"
    USED = "USED"
    SUPERSEDED = "SUPERSEDED"
    INVALID = "INVALID"


def link_expires_at(issued_at: datetime, ttl_seconds: int = DEFAULT_LINK_TTL_SECONDS) -> datetime:
    """When a link issued at ``issued_at`` stops working (§7: 10 minutes from issuance)."""
    return issued_at + timedelta(seconds=ttl_seconds)


def is_link_expired(
    issued_at: datetime, now: datetime, ttl_seconds: int = DEFAULT_LINK_TTL_SECONDS
) -> bool:
    """True once ``ttl_seconds`` have passed since issuance (the boundary itself is expired)."""
    return now >= link_expires_at(issued_at, ttl_seconds)


def classify_link(
    *,
    signature_ok: bool,
    expired: bool,
    id_known: bool,
    id_burned: bool,
    is_current: bool,
) -> LinkStatus:
    """Classify an opened link from its signature, age and the store's view of its id."""
    # Nothing in a link with a bad signature can be trusted, not even its age.
    if not signature_ok:
        return LinkStatus.INVALID
    # "Used" first: it is the most useful answer to someone who clicks twice, and it is true
    # whatever the link's age.
    if id_burned:
        return LinkStatus.USED
    if expired:
        return LinkStatus.EXPIRED
    # Signed by us, within its lifetime, yet unknown to the store (e.g. an in-process store
    # that restarted): refuse it, the user asks for a new one.
    if not id_known:
        return LinkStatus.INVALID
    # §7: "Any earlier outstanding link of that account becomes invalid."
    if not is_current:
        return LinkStatus.SUPERSEDED
    return LinkStatus.VALID


LINK_MESSAGES = MappingProxyType(
    {
        LinkStatus.VALID: messages.CONTINGENCY_PROCEED,
        LinkStatus.EXPIRED: messages.CONTINGENCY_LINK_EXPIRED,
        LinkStatus.USED: messages.CONTINGENCY_LINK_USED,
        LinkStatus.SUPERSEDED: messages.CONTINGENCY_LINK_SUPERSEDED,
        LinkStatus.INVALID: messages.CONTINGENCY_LINK_INVALID,
    }
)


def link_message(status: str) -> str:
    """The Spanish text shown for a link status."""
    return LINK_MESSAGES[LinkStatus(status)]
