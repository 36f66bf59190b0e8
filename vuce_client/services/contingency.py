"""Contingency authentication (domain.md §7): the switch, its history and the link requests.

One ``Contingency`` per app (``app.extensions["vuce_contingency"]``, built by ``create_app``): it
holds the captcha verifier, the link service (``links``) and the IdP health breaker
(``idp_health``). Its settings are rows of ``vuce_client.config``'s table.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

import sqlalchemy as sa
from flask import current_app, render_template

from webcommon import captcha as captcha_mod
from webcommon import request_id

from ..domain import messages
from ..domain.contingency import (
    LINK_EMAIL_KIND,
    ContingencyMode,
    Ineligible,
    contingency_session_alive,
    is_contingency_active,
    is_eligible,
)
from ..domain.errors import ContingencyDisabled
from ..domain.identity import extranet_account_key, sol_account_key
from ..idp_health import IdpHealth, ProbeThread
from ..links import LinkService
from ..mail import enqueue as enqueue_mail
from ..metrics import count_link, count_switch
from ..storage import AuditEvent, db
from . import accounts, audit

log = logging.getLogger("vuce_client.contingency")

MANUAL_KEY = "vuce:contingency:manual"
EXTENSION = "vuce_contingency"
HISTORY_EVENTS = ("CONTINGENCY_ON", "CONTINGENCY_OFF")


class Contingency:
    """The contingency switch, its history, and the link requests (one per app)."""

    def __init__(self, app, store) -> None:
        cfg = app.config
        self.app = app
        self.store = store
        self.mode = ContingencyMode(cfg["CONTINGENCY_MODE"])
        self.link_ttl = int(cfg["LINK_TTL_SECONDS"])
        self.min_response = max(0, int(cfg["CONTINGENCY_MIN_RESPONSE_MS"])) / 1000
        self.captcha = captcha_mod.build_verifier(cfg, store=store)
        self.links = LinkService(cfg["SECRET_KEY"], store, ttl_seconds=self.link_ttl)
        self.health = IdpHealth(
            store,
            failure_threshold=int(cfg["CONTINGENCY_FAILURES"]),
            recovery_threshold=int(cfg["CONTINGENCY_RECOVERIES"]),
            on_switch=self._breaker_switched,
        )
        self.probe_thread: ProbeThread | None = None

    # -- state -------------------------------------------------------------------------------
    def manual_active(self) -> bool:
        return self.store.get(MANUAL_KEY) == b"1"

    def is_active(self) -> bool:
        """Whether the contingency forms replace the SOL login right now."""
        if self.mode is ContingencyMode.OFF:
            return False
        breaker = self.health.state() if self.mode is ContingencyMode.AUTO else None
        return is_contingency_active(
            self.mode.value, manual_active=self.manual_active(), breaker=breaker
        )

    def episode(self) -> int:
        """The current episode: it moves on at every switch, voiding earlier links and sessions."""
        return self.links.generation()

    def session_alive(self, record: dict) -> bool:
        """Whether a contingency session (``auth_method=CONTINGENCIA``) may serve a request."""
        return contingency_session_alive(
            active=self.is_active(),
            session_episode=record.get("episode"),
            current_episode=self.episode(),
        )

    def _switched(self) -> None:
        # Every link issued so far becomes void, and every contingency session ends at its
        # next request (its episode is no longer the current one).
        self.links.revoke_all()

    def status(self) -> dict:
        """What ``GET /api/v1/contingency`` and the operator page show."""
        breaker = self.health.state()
        data = asdict(breaker)
        for key in ("changed_at", "last_probe_at"):
            data[key] = data[key].isoformat() + "Z" if data[key] else None
        return {
            "active": self.is_active(),
            "mode": self.mode.value,
            "manual_active": self.manual_active(),
            "breaker": data,
            "link_ttl_seconds": self.link_ttl,
            "captcha_backend": self.captcha.backend,
            "thresholds": {
                "failures": self.health.failure_threshold,
                "recoveries": self.health.recovery_threshold,
            },
        }

    def set_active(self, active: bool, *, actor: str, source: str) -> dict:
        """The operator's switch (API, CLI, page); audited. Raises ``ContingencyDisabled``."""
        if self.mode is ContingencyMode.OFF:
            raise ContingencyDisabled()
        was = self.is_active()
        self.store.set(MANUAL_KEY, "1" if active else "0")
        if not active and self.mode is ContingencyMode.AUTO:
            # "off" from an operator also closes the breaker; the probes will open it again
            # after N failures if SOL is in fact still down.
            self.health.reset()
        now = self.is_active()
        if was != now:
            self._switched()
        self._audit(now, source=source, actor=actor, changed=was != now)
        return self.status()

    def _breaker_switched(self, before, after, source: str) -> None:
        if self.mode is not ContingencyMode.AUTO:
            return
        if not self.manual_active():  # the operator's "on" wins: no change seen by anyone
            self._switched()
        self._audit(
            after.active,
            source=f"breaker:{source}",
            actor="auto",
            changed=True,
            failures=after.consecutive_failures,
            successes=after.consecutive_successes,
        )

    def _audit(self, active: bool, *, source: str, actor: str, changed: bool, **extra) -> None:
        """Write the switch to the audit trail in its own transaction (works from threads)."""
        event = "CONTINGENCY_ON" if active else "CONTINGENCY_OFF"
        if changed:
            count_switch(source)
        log.warning(
            "contingency %s (mode=%s, source=%s, actor=%s, changed=%s)",
            "ON" if active else "OFF",
            self.mode.value,
            source,
            actor,
            changed,
        )
        detail = {
            "mode": self.mode.value,
            "source": source,
            "actor": actor,
            "changed": changed,
            **extra,
        }
        with self.app.app_context(), sa.orm.Session(db.engine) as s:
            s.add(AuditEvent(event=event, detail=detail, request_id=request_id.current()))
            s.commit()

    def history(self, limit: int = 50) -> list:
        """The latest switches, newest first."""
        return list(
            db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.event.in_(HISTORY_EVENTS))
                .order_by(AuditEvent.id.desc())
                .limit(limit)
            )
        )

    # -- link requests (§7) --------------------------------------------------------------------
    def request_link(
        self,
        *,
        kind: str,
        ruc: str | None,
        usuario: str,
        link_url,
        component: str | None = None,
        send: bool = True,
    ) -> str | None:
        """Issue and queue a link when the account qualifies; the caller shows the same page.

        ``send`` is False once the account's e-mail quota is used up: nothing is issued or
        sent (reason ``MAIL_QUOTA``). Returns the reason code (``ELIGIBLE`` or an
        ``Ineligible`` value) for the audit only. Every path signs a link, writes an audit row
        and commits, so the work (and the time) is the same whatever the outcome.
        """
        count_link("requested")
        key = (
            extranet_account_key(usuario)
            if kind == "extranet"
            else sol_account_key(ruc or "", usuario)
        )
        account = accounts.get_by_key(key)
        if account is None:
            verdict = (False, Ineligible.NEW_USER.value)
        else:
            result = is_eligible(
                account.registered,
                account.email,
                account.email_updated_at,
                bool(account.notifications_consent),
            )
            verdict = (result.eligible, str(result.reason))
        if verdict[0] and not send:
            verdict = (False, "MAIL_QUOTA")
        if verdict[0]:
            token, link_id = self.links.issue(account.id)
            url = link_url(token)
            body = render_template(
                "vuce/contingency/email.txt",
                url=url,
                minutes=max(1, self.link_ttl // 60),
                account=account,
            )
            enqueue_mail(
                account.email, messages.CONTINGENCY_EMAIL_SUBJECT, body, kind=LINK_EMAIL_KIND
            )
            audit.record(
                "CONTINGENCY_LINK_ISSUED", account_key=key, component=component, link=link_id[:8]
            )
        else:
            self.links.sign_only()
            audit.record(
                "CONTINGENCY_LINK_REFUSED", account_key=key, component=component, reason=verdict[1]
            )
        db.session.commit()
        return verdict[1]

    def pad(self, started: float) -> None:
        """Sleep so every answer of the form takes the same minimum time (no timing oracle)."""
        left = self.min_response - (time.perf_counter() - started)
        if left > 0:
            time.sleep(left)

    # -- probe -------------------------------------------------------------------------------
    def start_probe(self) -> None:
        if self.probe_thread is None:
            cfg = self.app.config
            self.probe_thread = ProbeThread(
                self.health,
                cfg["IDP_INTERNAL_URL"],
                interval=float(cfg["IDP_PROBE_INTERVAL"]),
                timeout=float(cfg["IDP_PROBE_TIMEOUT"]),
                app=self.app,
            )
            self.probe_thread.start()

    def stop_probe(self) -> None:
        if self.probe_thread is not None:
            self.probe_thread.stop()
            self.probe_thread = None


def get() -> Contingency:
    """The app's ``Contingency``."""
    return current_app.extensions[EXTENSION]


def installed(app=None) -> Contingency | None:
    """The app's ``Contingency``, or None on an app without it (a separate component app)."""
    return (app or current_app).extensions.get(EXTENSION)
