"""The IdP's Prometheus metrics (``/metrics``; see ``webcommon.metrics``).

Counters are incremented where the event happens (one ``inc`` on a label child); the gauges
of shared state (outage mode, armed RP faults, signing keys) are read when Prometheus scrapes.
Label values come from fixed sets, or from registered client ids.
"""

from __future__ import annotations

import json
import time

from prometheus_client import Counter, Histogram

from webcommon.metrics import LATENCY_BUCKETS, ScrapeGauge, build_registry

LOGINS = Counter(
    "sol_logins_total",
    "Login attempts at SOL by outcome (ok, bad_clave, locked, captcha_required, inactive, "
    "rate_limited)",
    ["outcome"],
    registry=None,
)
TOKENS = Counter(
    "sol_tokens_issued_total",
    "Tokens issued by grant type and client",
    ["grant_type", "client"],
    registry=None,
)
TOKEN_ERRORS = Counter(
    "sol_token_errors_total", "Token endpoint errors by OAuth error code", ["error"], registry=None
)
USERINFO = Counter(
    "sol_userinfo_requests_total", "Userinfo calls by result", ["result"], registry=None
)
INTROSPECTION = Counter(
    "sol_introspection_requests_total", "Introspection calls by result", ["result"], registry=None
)
BACKCHANNEL = Counter(
    "sol_backchannel_logouts_total",
    "Back-channel logout tokens POSTed to relying parties, by result (sent, failed)",
    ["result"],
    registry=None,
)
OUTAGE_SWITCHES = Counter(
    "sol_outage_switches_total",
    "Simulated outage mode changes, by the new mode",
    ["mode"],
    registry=None,
)
LATENCY = Histogram(
    "sol_http_request_duration_seconds",
    "Time to answer a request, by endpoint",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)
# IDP_METRICS_ENABLED=false turns every count off (the bench's "without metrics" side)
ON = [True]
ALL = (LOGINS, TOKENS, TOKEN_ERRORS, USERINFO, INTROSPECTION, BACKCHANNEL, OUTAGE_SWITCHES, LATENCY)

# exact paths worth their own latency series; everything else is grouped
_ENDPOINTS = {
    "/token": "token",
    "/userinfo": "userinfo",
    "/introspect": "introspect",
    "/revoke": "revoke",
    "/jwks": "jwks",
    "/.well-known/openid-configuration": "discovery",
    "/authorize": "authorize",
    "/login": "login",
    "/login/sol": "login",
    "/login/extranet": "login",
    "/consent": "consent",
    "/logout": "logout",
    "/end-session": "logout",
    "/healthz": "health",
    "/readyz": "health",
}
_PREFIXES = (("/api/", "api"), ("/sol/", "portal"), ("/static/", "static"))


def endpoint_of(path: str) -> str:
    name = _ENDPOINTS.get(path)
    if name is not None:
        return name
    for prefix, label in _PREFIXES:
        if path.startswith(prefix):
            return label
    return "other"


def _userinfo_child():
    return {200: USERINFO.labels("ok"), 401: USERINFO.labels("invalid_token")}


_USERINFO = _userinfo_child()
_INTROSPECTION = {
    "active": INTROSPECTION.labels("active"),
    "inactive": INTROSPECTION.labels("inactive"),
}


def count_login(outcome: str) -> None:
    if ON[0]:
        LOGINS.labels(outcome).inc()


def count_token(grant_type: str, client_id: str) -> None:
    if ON[0]:
        TOKENS.labels(grant_type, client_id).inc()


def count_outage_switch(mode: str) -> None:
    if ON[0]:
        OUTAGE_SWITCHES.labels(mode).inc()


def count_backchannel(results: list[bool]) -> None:
    if ON[0]:
        for ok in results:
            BACKCHANNEL.labels("sent" if ok else "failed").inc()


def count_userinfo(status: int) -> None:
    if not ON[0]:
        return
    child = _USERINFO.get(status)
    (child or USERINFO.labels("error")).inc()


def count_introspection(status: int, body: bytes) -> None:
    if not ON[0]:
        return
    if status != 200:
        INTROSPECTION.labels("refused").inc()
        return
    active = b'"active": true' in body or b'"active":true' in body
    _INTROSPECTION["active" if active else "inactive"].inc()


def count_token_response(status: int, body: bytes) -> None:
    """A token endpoint answer: errors by their code (issued tokens are counted when saved)."""
    if status == 200 or not ON[0]:
        return
    try:
        document = json.loads(body)
    except ValueError:  # an RP test bench fault's HTML page
        document = None
    error = document.get("error") if isinstance(document, dict) else None
    TOKEN_ERRORS.labels(str(error or "server_error")[:40]).inc()


def _outage_mode(app) -> dict:
    from .services import outage

    mode = outage.read(app.extensions["sol_store"]).mode
    return {(m,): float(m == mode) for m in outage.MODES}


def _faults_armed(app) -> dict:
    from .services import rp_faults

    faults: dict[tuple[str, str], float] = {}
    for armed in rp_faults.armed(app.extensions["sol_store"]):
        key = (armed.client_id, armed.fault)
        faults[key] = faults.get(key, 0) + 1
    return faults


def _signing_keys(app) -> dict:
    """published (not signing yet), signing, retired (still verifying): the key ring's life."""
    from .storage.db import db
    from .storage.oauth import SigningKey

    now = int(time.time())
    states = {("published",): 0.0, ("signing",): 0.0, ("retired",): 0.0}
    with app.app_context():
        try:
            for key in db.session.query(SigningKey).all():
                if key.retired_at is not None and key.retired_at <= now:
                    state = "retired"
                elif key.not_before > now:
                    state = "published"
                else:
                    state = "signing"
                states[(state,)] += 1
        finally:
            db.session.remove()
    return states


def install(app) -> dict:
    """The registry and token of ``/metrics`` for ``RequestObserver``."""
    ON[0] = bool(app.config["METRICS_ENABLED"])
    gauges = [
        ScrapeGauge(
            "sol_outage_mode",
            "The simulated outage in effect (1 for the current mode)",
            ("mode",),
            lambda: _outage_mode(app),
        ),
        ScrapeGauge(
            "sol_rp_faults_armed",
            "RP test bench faults armed, by client and fault",
            ("client", "fault"),
            lambda: _faults_armed(app),
        ),
        ScrapeGauge(
            "sol_signing_keys", "Signing keys by state", ("state",), lambda: _signing_keys(app)
        ),
    ]
    return {
        "registry": build_registry(ALL, gauges),
        "token": app.config["METRICS_TOKEN"],
        "endpoint_of": endpoint_of,
        "latency": LATENCY if app.config["METRICS_ENABLED"] else None,
    }
