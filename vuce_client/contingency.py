"""Contingency authentication (domain.md §7): state, switching, link requests, wiring.

``init_contingency(app)`` (called by ``create_app`` after the components exist) reads the
settings below, builds the captcha verifier, the link service and the IdP health breaker, mounts
the web blueprint (``vuce_client.web.contingency``), the ``flask --app vuce_client contingency``
command and, in auto mode, the periodic IdP probe.

==============================  ===============================  ============================
setting (app.config key)        environment variable             default
==============================  ===============================  ============================
CONTINGENCY_MODE                VUCE_CONTINGENCY                 ``manual`` (off|manual|auto)
LINK_TTL_SECONDS                VUCE_LINK_TTL_SECONDS            600
CONTINGENCY_SESSION_TTL         VUCE_CONTINGENCY_SESSION_TTL     3600 s (and never past "off")
CONTINGENCY_FAILURES            VUCE_CONTINGENCY_FAILURES        3 failures in a row → on
CONTINGENCY_RECOVERIES          VUCE_CONTINGENCY_RECOVERIES      2 successes in a row → off
IDP_PROBE_INTERVAL              VUCE_IDP_PROBE_INTERVAL          5 s
IDP_PROBE_TIMEOUT               VUCE_IDP_PROBE_TIMEOUT           2 s
IDP_PROBE_ENABLED               VUCE_IDP_PROBE                   true (auto mode only)
CONTINGENCY_RATE_IP             VUCE_CONTINGENCY_RATE_IP         ``20 per minute;200 per hour``
CONTINGENCY_RATE_ACCOUNT        VUCE_CONTINGENCY_RATE_ACCOUNT    ``5 per 10 minutes`` (mails)
CONTINGENCY_MIN_RESPONSE_MS     VUCE_CONTINGENCY_MIN_RESPONSE_MS 250 (flat answer time)
RECAPTCHA_BACKEND               RECAPTCHA_BACKEND                ``offline``
RECAPTCHA_SITE_KEY / _SECRET_KEY  RECAPTCHA_SITE_KEY / ..._KEY   Google's test keys
RECAPTCHA_VERIFY_URL            RECAPTCHA_VERIFY_URL             Google's siteverify
RECAPTCHA_TIMEOUT               RECAPTCHA_TIMEOUT                5 s
==============================  ===============================  ============================
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

import click
import sqlalchemy as sa
from flask import current_app, render_template
from flask.cli import AppGroup

from webcommon import captcha as captcha_mod
from webcommon import request_id, running

from . import metrics
from .domain import messages
from .domain.contingency import (
    ContingencyMode,
    Ineligible,
    contingency_session_alive,
    is_contingency_active,
    is_eligible,
)
from .domain.errors import ContingencyDisabled
from .domain.identity import extranet_account_key, sol_account_key
from .idp_health import IdpHealth, ProbeThread, ReportingAdapter
from .links import LinkService

log = logging.getLogger("vuce_client.contingency")

MANUAL_KEY = "vuce:contingency:manual"
EXTENSION = "vuce_contingency"
HISTORY_EVENTS = ("CONTINGENCY_ON", "CONTINGENCY_OFF")
LINK_EMAIL_KIND = "contingency_link"


def _load_settings(app) -> None:
    """The contingency settings live in vuce_client.config's table; normalise the mode."""
    app.config["CONTINGENCY_MODE"] = ContingencyMode.parse(app.config["CONTINGENCY_MODE"]).value


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
        from .storage import AuditEvent, db

        event = "CONTINGENCY_ON" if active else "CONTINGENCY_OFF"
        if changed:
            metrics.count_switch(source)
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
        from .storage import AuditEvent, db

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
        from . import mail
        from .services import accounts, audit
        from .storage import db

        metrics.count_link("requested")
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
            mail.enqueue(
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


# -- CLI -------------------------------------------------------------------------------------------

contingency_cli = AppGroup("contingency", help="Modo contingencia de autenticación (§7).")


API_PATH = "/api/v1/contingency"


def _running_server():
    """VUCE's running server when its switch lives in that server's memory (no
    VUCE_REDIS_URL): this process's store would be a private, empty one."""
    if current_app.config["REDIS_URL"]:
        return None
    return running.admin_api(current_app.config, "VUCE", "VUCE", "vuce_admin_token")


def _switch(active: bool) -> None:
    server = _running_server()
    try:
        if server is not None:
            state = server.call("PUT", API_PATH, {"active": active})
        else:
            state = get().set_active(active, actor="cli", source="cli")
    except running.NotApplied as exc:
        raise click.ClickException(str(exc)) from exc
    except ContingencyDisabled as exc:
        raise click.ClickException(exc.message) from exc
    active = (
        messages.CLI_CONTINGENCY_ACTIVE if state["active"] else messages.CLI_CONTINGENCY_INACTIVE
    )
    click.echo(messages.CLI_CONTINGENCY_STATE.format(state=active, mode=state["mode"]))


@contingency_cli.command("on")
def contingency_on():
    """Activa la contingencia (operador)."""
    _switch(True)


@contingency_cli.command("off")
def contingency_off():
    """Desactiva la contingencia (operador); en modo auto también cierra el breaker."""
    _switch(False)


@contingency_cli.command("status")
def contingency_status():
    """Muestra el estado, el breaker y los últimos cambios."""
    import json

    c = get()
    server = _running_server()
    try:
        status = server.call("GET", API_PATH) if server is not None else c.status()
    except running.NotApplied as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(status, indent=2))
    for row in c.history(10):  # in the database, shared with the server
        click.echo(f"{row.at:%Y-%m-%d %H:%M:%S}  {row.event:<16} {row.detail}")


# -- wiring ----------------------------------------------------------------------------------------


def init_contingency(app) -> Contingency:
    """Install contingency on a VUCE app whose components (``VuceAuth``) already exist."""
    _load_settings(app)
    core = app.extensions["vuce_core"]
    state = Contingency(app, core.store)
    app.extensions[EXTENSION] = state
    # Every real back-channel call to the IdP is a health observation too.
    internal = app.config["IDP_INTERNAL_URL"].rstrip("/") + "/"
    core.meta.http.mount(internal, ReportingAdapter(state.health))

    from .web import contingency as web

    web.init_app(app)
    app.cli.add_command(contingency_cli)
    if state.mode is ContingencyMode.AUTO and app.config["IDP_PROBE_ENABLED"] and not _is_cli():
        state.start_probe()
    log.info(
        "contingency mode=%s link_ttl=%ss captcha=%s",
        state.mode.value,
        state.link_ttl,
        state.captcha.backend,
    )
    return state


def _is_cli() -> bool:
    # ``flask --app vuce_client db upgrade`` and friends must not start a probe thread; the
    # web server (and ``flask run``) do.
    import sys

    argv = " ".join(sys.argv[:3])
    return "flask" in argv and " run" not in " ".join(sys.argv)
