"""Liveness and readiness probes."""

from flask import Blueprint, current_app, jsonify

from webcommon.health import readiness

from ..services import rp_faults
from ..services.outage import read as sim_outage
from ..storage import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database and the store are reachable, and `vuce-sol up` is not loading its demo."""
    store = current_app.extensions["sol_store"]
    ready, checks = readiness(db, store, current_app.instance_path)
    # The simulations in effect are reported (never a failed check): a probe tells the truth
    # about a SOL that answers "down" or issues bad tokens on purpose.
    simulating = ready and rp_faults.enabled(current_app.config)
    return jsonify(
        status="ok" if ready else "unavailable",
        checks=checks,
        sim_outage=sim_outage(store).mode if simulating else None,
        sim_rp_faults=len(rp_faults.armed(store)) if simulating else None,
    ), 200 if ready else 503
