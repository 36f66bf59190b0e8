"""The gauges of shared state, read when Prometheus scrapes, and the ``/metrics`` wiring.

The counters live in ``idp.metrics`` (every layer counts through it); these gauges read the
store and the database, so they live here, above the services they read.
"""

from __future__ import annotations

import time

from webcommon.metrics import ScrapeGauge, build_registry

from .. import metrics
from ..storage.db import db
from ..storage.oauth import SigningKey
from . import outage, rp_faults


def _outage_mode(app) -> dict:
    mode = outage.read(app.extensions["sol_store"]).mode
    return {(m,): float(m == mode) for m in outage.MODES}


def _faults_armed(app) -> dict:
    faults: dict[tuple[str, str], float] = {}
    for armed in rp_faults.armed(app.extensions["sol_store"]):
        key = (armed.client_id, armed.fault)
        faults[key] = faults.get(key, 0) + 1
    return faults


def _signing_keys(app) -> dict:
    """published (not signing yet), signing, retired (still verifying): the key ring's life."""
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
    metrics.ON[0] = bool(app.config["METRICS_ENABLED"])
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
        "registry": build_registry(metrics.ALL, gauges),
        "token": app.config["METRICS_TOKEN"],
        "endpoint_of": metrics.endpoint_of,
        "latency": metrics.LATENCY if app.config["METRICS_ENABLED"] else None,
    }
