"""The IdP's Prometheus metrics (``/metrics``; see ``webcommon.metrics``).

Counters are incremented where the event happens (one ``inc`` on a label child); the gauges
of shared state (outage mode, armed RP faults, signing keys) are read when Prometheus scrapes
(``idp.services.gauges``, which also wires ``/metrics``). Label values come from fixed sets,
or from registered client ids. This module imports nothing else of ``idp``: every layer
counts through it.
"""

from __future__ import annotations

import json

from prometheus_client import Counter, Histogram

from webcommon.metrics import LATENCY_BUCKETS

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
