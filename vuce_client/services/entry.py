"""Admission (domain.md §6.2, §6.4, §7): the one path from an authenticated identity to a VUCE
session, for a SOL login and for a contingency link alike.

``admit(identity, via=…)`` builds the ``EntryContext`` (``entry_context``, the only place that
builds one), runs the ordered ``ENTRY_CHECKS``, audits and counts the outcome, and then opens the
session, starts the registration wizard (SOL) or refuses (a contingency link cannot register:
SUNAT is down). It returns the ``Decision``; the views only render it.

A registration started here is a *pending login* kept in the store for ``PENDING_TTL``; the
wizard (``web.registration``) reads it with ``pending()`` and, once the form is saved, opens the
session with ``finish_registration()``.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import ClassVar

from flask import current_app, session

from ..core import core
from ..domain.contingency import AUTH_METHOD as CONTINGENCY_METHOD
from ..domain.entry_checks import Decision, EntryContext, run_entry_checks
from ..domain.identity import SolIdentity, UserType
from ..domain.roles import role_for
from ..metrics import count_denial, count_login
from ..storage import VuceAccount, db
from . import accounts, audit, sessions

# The channel of VUCE's login lines, which operators grep (README "Logs").
log = logging.getLogger("vuce_client.auth")

PENDING_TTL = 1800
PENDING_KEY = "vuce_pending"  # the browser's cookie: which pending login is its own


@dataclass(frozen=True)
class SolLogin:
    """Admission after the SOL callback: the identity comes from the verified ID token."""

    method: ClassVar[str] = "SOL"

    component: str
    claims: dict  # the verified ID token's claims (a pending registration keeps them)
    id_token: str | None
    next_url: str


@dataclass(frozen=True)
class ContingencyLink:
    """Admission by an e-mailed contingency link (§7): the identity is the last one SOL gave
    (``accounts.last_known_identity``, Q15), the session covers every component and lives only
    in the contingency episode that opened it."""

    method: ClassVar[str] = CONTINGENCY_METHOD

    component: str
    account_id: int
    link_id: str
    episode: int


Via = SolLogin | ContingencyLink


def entry_context(identity: SolIdentity, account: VuceAccount) -> EntryContext:
    """The §6.2 context of an admission: the identity plus what VUCE knows of the account."""
    return EntryContext.from_identity(
        identity,
        registered=account.registered,
        registered_as=account.registered_as,
        has_tramites=accounts.has_tramites_with_role(account, role_for(account.registered_as)),
        principal_registered=accounts.principal_registered(identity.ruc),
        require_principal_for_all=current_app.config["REQUIRE_PRINCIPAL_FOR_ALL"],
    )


def admit(identity: SolIdentity, *, via: Via) -> Decision:
    """Entry checks (§6.2), then a denial, the registration wizard (SOL) or a session."""
    if isinstance(via, SolLogin):
        account = accounts.sync_from_identity(identity)  # the snapshot contingency relies on
    else:
        account = accounts.get(via.account_id)
    decision = run_entry_checks(entry_context(identity, account))
    if not decision.allowed:
        _deny(identity, via, decision)
    elif decision.opens_session:
        _open(identity, account, via, decision)
    elif isinstance(via, SolLogin):
        _start_registration(identity, via, decision)
    else:
        # A contingency link cannot run the wizard: it needs SOL's data (§6.4).
        _audit("ENTRY_DENIED", identity, via, reason="NEEDS_SOL_REGISTRATION")
        db.session.commit()
    return decision


def _audit(event: str, identity: SolIdentity, via: Via, **detail) -> None:
    if via.method != SolLogin.method:
        detail["auth_method"] = via.method
    audit.record(event, account_key=identity.account_key, component=via.component, **detail)


def _deny(identity: SolIdentity, via: Via, decision: Decision) -> None:
    _audit(
        "ENTRY_DENIED",
        identity,
        via,
        reason=decision.reason.value,
        message=decision.message_number,
        params=list(decision.params),
    )
    db.session.commit()
    count_denial(decision.message_number)
    log.info(
        "entry denied component=%s message=%s reason=%s%s",
        via.component,
        decision.message_number,
        decision.reason.value,
        _method_note(via),
    )
    sessions.forget_current()


def _method_note(via: Via) -> str:
    return "" if via.method == SolLogin.method else f" auth_method={via.method}"


def _open(identity: SolIdentity, account: VuceAccount, via: Via, decision: Decision) -> None:
    if identity.user_type is UserType.SECONDARY:
        accounts.update_registered_as(account, decision.registered_as)
    if isinstance(via, ContingencyLink):
        _audit("CONTINGENCY_LINK_USED", identity, via, link=via.link_id[:8])
    _audit("LOGIN", identity, via)
    db.session.commit()
    count_login(via.component)
    log.info(
        "login ok component=%s account=%s%s",
        via.component,
        identity.account_key,
        _method_note(via),
    )
    if isinstance(via, SolLogin):
        sessions.open_session(
            account,
            via.component,
            sub=identity.sub,
            sid=via.claims.get("sid"),
            id_token=via.id_token,
        )
        return
    # §7 scope: the session covers every component (SOL cannot be asked), the chosen one first.
    others = [key for key in core().components if key != via.component]
    for key in [via.component, *others]:
        sessions.open_session(
            account,
            key,
            sub=identity.sub,
            sid=None,
            id_token=None,
            auth_method=via.method,
            episode=via.episode,
        )


# -- first-login registration (§6.4): the pending login ---------------------------------------


def _start_registration(identity: SolIdentity, via: SolLogin, decision: Decision) -> None:
    pending_id = secrets.token_urlsafe(24)
    section = decision.needs_lab_or_agent_section
    record = {
        "claims": via.claims,
        "component": via.component,
        "id_token": via.id_token,
        "needs_registration": decision.needs_registration,
        "section": section and section.value,
        "registered_as": decision.registered_as and decision.registered_as.value,
        "next": via.next_url,
    }
    core().store.set(f"vuce:pending:{pending_id}", json.dumps(record), ttl=PENDING_TTL)
    _audit("REGISTRATION_STARTED", identity, via)
    db.session.commit()
    log.info("registration started component=%s", via.component)
    sessions.forget_current()
    session[PENDING_KEY] = pending_id


def pending() -> tuple[str | None, dict | None]:
    """This browser's pending login (``(id, record)``), or ``(None, None)``."""
    pending_id = session.get(PENDING_KEY)
    raw = core().store.get(f"vuce:pending:{pending_id}") if pending_id else None
    return (pending_id, json.loads(raw)) if raw else (None, None)


def finish_registration(pending_id: str, record: dict, account: VuceAccount) -> None:
    """The wizard is saved (and committed): drop the pending login and open its session."""
    core().store.delete(f"vuce:pending:{pending_id}")
    session.pop(PENDING_KEY, None)
    claims = record["claims"]
    sessions.open_session(
        account,
        record["component"],
        sub=claims.get("sub"),
        sid=claims.get("sid"),
        id_token=record.get("id_token"),
    )
