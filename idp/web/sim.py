"""Outage simulation: ``PUT/GET /api/v1/sim/outage`` and the hook that applies it.

While a mode is set, every OIDC endpoint and the login pages misbehave the way a real outage
does (``down`` 503, ``slow`` added latency, ``flaky`` a share of 503s, ``timeout`` a hang past
the client's timeout, then 503). Health probes, static files and this API keep answering
truthfully, so operators and tests can always see and undo the simulation. With
IDP_ENV=production the simulators are off (the API answers 403) unless IDP_ALLOW_SIMULATION=true.
"""

import logging
import random
import time

from flask import Blueprint, current_app, jsonify, request

from webcommon.security import require_bearer

from ..services import outage as outage_service
from ..services.rp_faults import enabled as simulation_enabled
from ..storage.db import db
from .errors import error_response
from .security import csrf

log = logging.getLogger("idp.sim")

bp = Blueprint("sim", __name__)
csrf.exempt(bp)  # bearer-token API, no cookies involved

# Exact OIDC paths plus the login/consent pages (prefixes) that SOL's outage takes down.
AFFECTED_PATHS = frozenset(
    {
        "/authorize",
        "/token",
        "/userinfo",
        "/introspect",
        "/revoke",
        "/logout",
        "/jwks",
        "/.well-known/openid-configuration",
    }
)
AFFECTED_PREFIXES = ("/login", "/consent")
# Endpoints clients call by machine: they get JSON 503s, people get the Spanish page.
API_PATHS = frozenset(
    {"/token", "/userinfo", "/introspect", "/revoke", "/jwks", "/.well-known/openid-configuration"}
)
DOWN_MESSAGE = (
    "El Sistema de Clave SOL de SUNAT temporalmente no se encuentra disponible. "
    "Inténtelo nuevamente en unos minutos."
)
DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_TIMEOUT_SECONDS = 120.0
_random = random.SystemRandom()


@bp.record_once
def _configure(state) -> None:
    """How long ``timeout`` hangs (IDP_SIM_TIMEOUT_SECONDS in the settings table), bounded."""
    cfg = state.app.config
    raw = cfg.get("SIM_TIMEOUT_SECONDS")
    seconds = float(raw) if raw not in (None, "") else DEFAULT_TIMEOUT_SECONDS
    cfg["SIM_TIMEOUT_SECONDS"] = min(max(seconds, 0.0), MAX_TIMEOUT_SECONDS)


def _store():
    return current_app.extensions["sol_store"]


def _affected(path: str) -> bool:
    return path in AFFECTED_PATHS or path.startswith(AFFECTED_PREFIXES)


RETRY_AFTER = (("Retry-After", "30"),)


def _unavailable():
    if request.path in API_PATHS:
        body = jsonify(error="temporarily_unavailable", message=DOWN_MESSAGE)
        return body, 503, RETRY_AFTER
    response, status = error_response(503, DOWN_MESSAGE, "temporarily_unavailable")
    return response, status, RETRY_AFTER


def simulate_outage(path: str) -> bool:
    """Apply the simulation in effect to a request for ``path``: sleep as the mode says, and
    say whether SOL answers "unavailable" (503). Only the affected endpoints misbehave."""
    if not _affected(path) or not simulation_enabled(current_app.config):
        return False
    sim = outage_service.current(_store())
    mode = sim.mode
    if mode == "slow":
        time.sleep(sim.latency_ms / 1000)
    elif mode == "flaky":
        if sim.latency_ms:
            time.sleep(sim.latency_ms / 1000)
        return _random.random() < sim.error_rate
    elif mode == "timeout":
        hang = (
            sim.latency_ms / 1000 if sim.latency_ms else current_app.config["SIM_TIMEOUT_SECONDS"]
        )
        time.sleep(min(hang, MAX_TIMEOUT_SECONDS))
        return True
    return mode == "down"


@bp.before_app_request
def apply_outage():
    """Make SOL misbehave as the simulation says (the machine endpoints: ``web.machine``)."""
    return _unavailable() if simulate_outage(request.path) else None


# -- the simulation API ------------------------------------------------------------------------


def json_error(status: int, code: str, message: str):
    return jsonify(error=code, message=message), status


def admin_ok() -> bool:
    return require_bearer(current_app.config.get("ADMIN_TOKEN"))


def guard():
    """The admin token and the simulators switched on, or the error answer (401/403)."""
    if not admin_ok():
        return unauthorized()
    if not simulation_enabled(current_app.config):
        return simulation_disabled()
    return None


def json_object(allowed: set[str]):
    """``(body, None)``: the request's JSON object, or ``(None, error answer)`` when it is not
    an object (400) or has other fields than ``allowed`` (422)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, json_error(400, "bad_request", "Se espera un objeto JSON.")
    unknown = set(body) - allowed
    if unknown:
        message = f"Campos no permitidos: {', '.join(sorted(unknown))}."
        return None, json_error(422, "unknown_fields", message)
    return body, None


def unauthorized():
    response, status = json_error(401, "unauthorized", "Se requiere el token de administración.")
    response.headers["WWW-Authenticate"] = 'Bearer realm="sol-admin"'
    return response, status


def simulation_disabled():
    return json_error(
        403,
        "simulation_disabled",
        "La simulación está desactivada en producción (IDP_ALLOW_SIMULATION=true la activa).",
    )


@bp.get("/api/v1/sim/outage")
def get_outage():
    """The simulation in effect (read from the store, not the per-process cache)."""
    return guard() or jsonify(outage_service.read(_store()).to_dict())


@bp.put("/api/v1/sim/outage")
def put_outage():
    """Set the simulation: ``{"mode", "latency_ms", "error_rate"}``."""
    refused = guard()
    if refused:
        return refused
    body, refused = json_object({"mode", "latency_ms", "error_rate"})
    if refused:
        return refused
    try:
        wanted = outage_service.parse(
            body.get("mode"), body.get("latency_ms"), body.get("error_rate")
        )
    except outage_service.OutageError as exc:
        return json_error(422, "invalid_outage", str(exc))
    _, after = outage_service.set_outage(_store(), wanted, actor="admin-api")
    db.session.commit()
    log.warning(
        "simulated outage set to %s (latency_ms=%s, error_rate=%s)",
        after.mode,
        after.latency_ms,
        after.error_rate,
    )
    return jsonify(after.to_dict())
