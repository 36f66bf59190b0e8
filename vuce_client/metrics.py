"""VUCE's Prometheus metrics (``/metrics``; see ``webcommon.metrics``).

Counters are incremented where the event happens; the contingency state and the e-mail
outbox are read when Prometheus scrapes (they are shared by every worker and the mail
worker). Label values come from fixed sets.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from webcommon.metrics import LATENCY_BUCKETS, ScrapeGauge, build_registry

LOGINS = Counter(
    "vuce_logins_total",
    "Logins that opened a VUCE session, by component",
    ["component"],
    registry=None,
)
DENIALS = Counter(
    "vuce_entry_denials_total",
    "Logins refused by the entry checks, by message number (1-5)",
    ["message"],
    registry=None,
)
REGISTRATIONS = Counter(
    "vuce_registrations_total",
    "Registrations completed (first: the first login's form; section: agent/lab added later)",
    ["kind"],
    registry=None,
)
SWITCHES = Counter(
    "vuce_contingency_switches_total",
    "Contingency switched on or off, by source (api, cli, page, breaker:probe, breaker:call)",
    ["source"],
    registry=None,
)
LINKS = Counter(
    "vuce_contingency_links_total",
    "Contingency links: requested, sent (mail delivered), used, expired, superseded, replayed, "
    "invalid",
    ["event"],
    registry=None,
)
PROBES = Counter(
    "vuce_idp_probes_total", "Probes of the IdP by result (ok, failed)", ["result"], registry=None
)
LATENCY = Histogram(
    "vuce_http_request_duration_seconds",
    "Time to answer a request, by endpoint",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)
ON = [True]
ALL = (LOGINS, DENIALS, REGISTRATIONS, SWITCHES, LINKS, PROBES, LATENCY)

_COMPONENT_PREFIXES = frozenset({"mr", "origen", "ga"})
_COMPONENT_PAGES = frozenset({"callback", "login", "logout", "logged-out", "backchannel-logout"})
_TOP = {
    "login": "login",
    "registro": "registration",
    "contingencia": "contingency",
    "contingency": "contingency",
    "api": "api",
    "buzon": "buzon",
    "tramites": "tramites",
    "mis-datos": "account",
    "healthz": "health",
    "readyz": "health",
    "static": "static",
}
# the opened link's status (LinkStatus value) as the event it counts
LINK_EVENTS = {
    "VALID": "used",
    "EXPIRED": "expired",
    "SUPERSEDED": "superseded",
    "USED": "replayed",
    "INVALID": "invalid",
}


def endpoint_of(path: str) -> str:
    parts = path.strip("/").split("/", 2)
    if parts[0] in _COMPONENT_PREFIXES:
        page = parts[1] if len(parts) > 1 else ""
        return f"component_{page}" if page in _COMPONENT_PAGES else "component"
    return _TOP.get(parts[0], "other")


def _inc(metric, *labels) -> None:
    if ON[0]:
        metric.labels(*labels).inc()


def count_login(component: str) -> None:
    _inc(LOGINS, component)


def count_denial(message_number) -> None:
    _inc(DENIALS, str(message_number))


def count_registration(first: bool) -> None:
    _inc(REGISTRATIONS, "first" if first else "section")


def count_switch(source: str) -> None:
    _inc(SWITCHES, source)


def count_link(event: str) -> None:
    _inc(LINKS, event)


def count_probe(ok: bool) -> None:
    _inc(PROBES, "ok" if ok else "failed")


def _contingency_active(app) -> dict:
    state = app.extensions.get("vuce_contingency")
    active = bool(state and state.is_active())
    return {(): float(active)}


def install(app, *, outbox) -> dict:
    """The registry and token of ``/metrics`` for ``RequestObserver``; ``outbox(app)`` gives
    the e-mails waiting and the age of the oldest (``mail.backlog``)."""
    ON[0] = bool(app.config["METRICS_ENABLED"])
    gauges = [
        ScrapeGauge(
            "vuce_contingency_active",
            "1 while the contingency forms replace the SOL login",
            (),
            lambda: _contingency_active(app),
        ),
        ScrapeGauge(
            "vuce_outbox_depth",
            "E-mails waiting in the outbox (pending or being sent)",
            (),
            lambda: {(): outbox(app)[0]},
        ),
        ScrapeGauge(
            "vuce_outbox_oldest_age_seconds",
            "Age of the oldest e-mail waiting in the outbox (0 when empty)",
            (),
            lambda: {(): outbox(app)[1]},
        ),
    ]
    return {
        "registry": build_registry(ALL, gauges),
        "token": app.config["METRICS_TOKEN"],
        "endpoint_of": endpoint_of,
        "latency": LATENCY if app.config["METRICS_ENABLED"] else None,
    }
