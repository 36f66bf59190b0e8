"""RP test bench API: ``/api/v1/sim/rp-faults`` (arm, list, clear), and the token endpoint's
faults, applied before Authlib runs.

The model is the outage simulation (``idp.web.sim``): the admin bearer token, state in the
shared store, visible in ``GET``, undoable with ``DELETE``, bounded (``times``, a TTL).
"""

import logging
from urllib.parse import unquote

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidGrantError
from flask import Blueprint, current_app, jsonify

from webcommon import errors as common

from ..oidc import faults
from ..oidc.server import Answer, CodeGrant
from ..services import clients
from ..services import rp_faults as service
from ..storage.db import db
from .security import csrf
from .sim import guard, json_error, json_object

log = logging.getLogger("idp.sim")

bp = Blueprint("rp_faults", __name__)
csrf.exempt(bp)  # bearer-token API, no cookies involved

BASE = "/api/v1/sim/rp-faults"
SERVER_ERROR_MESSAGE = "Error interno del servidor de Clave SOL."


def _store():
    return current_app.extensions["sol_store"]


@bp.before_request
def _guard():
    return guard()


@bp.post(BASE)
def arm():
    """Arm ``{"client_id", "fault", "times": 1}`` for that client's next flows."""
    body, refused = json_object({"client_id", "fault", "times"})
    if refused:
        return refused
    try:
        client_id, fault, times = service.parse(
            body.get("client_id"), body.get("fault"), body.get("times", 1)
        )
    except service.RpFaultError as exc:
        response, status = json_error(422, exc.code, str(exc))
        if exc.names:
            response = jsonify(error=exc.code, message=str(exc), faults=list(exc.names))
        return response, status
    if clients.get(client_id) is None:
        return json_error(422, "unknown_client", f"El cliente {client_id!r} no está registrado.")
    armed = service.arm(_store(), client_id, fault, times, actor="admin-api")
    db.session.commit()
    log.warning("rp fault %s armed for %s (%d times)", fault, client_id, times)
    return jsonify(armed.to_dict()), 201


@bp.get(BASE)
def list_armed():
    """The faults still armed, oldest first."""
    return jsonify(faults=[a.to_dict() for a in service.armed(_store())])


@bp.delete(f"{BASE}/<fault_id>")
def clear_one(fault_id):
    cleared = service.clear(_store(), fault_id, actor="admin-api")
    if cleared is None:
        return json_error(404, "not_found", "No hay una falla armada con ese id.")
    db.session.commit()
    return jsonify(cleared.to_dict())


@bp.delete(BASE)
def clear_all():
    count = service.clear_all(_store(), actor="admin-api")
    db.session.commit()
    return jsonify(cleared=count)


# -- the token endpoint's faults -------------------------------------------------------------


def _claimed_client_id(request) -> str | None:
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username:
        return unquote(auth.username)  # RFC 6749 §2.3.1: form-encoded in Basic
    return request.form.get("client_id")


def token_endpoint_fault(server, request):
    """The answer (``oidc.server.Answer``) of a token-endpoint fault armed for the
    (authenticated) client of this code exchange, or None: Authlib then answers as usual.
    No store lookup while nothing is armed (the per-process gate of ``services.rp_faults``)."""
    if request.form.get("grant_type") != "authorization_code":
        return None
    if not service.enabled(current_app.config):
        return None
    store = current_app.extensions["sol_store"]
    claimed = _claimed_client_id(request)
    if not claimed or not service.any_armed(store) or not service.armed(store, claimed):
        return None
    oauth_request = server.create_oauth2_request(request)
    try:
        client = server.authenticate_client(oauth_request, CodeGrant.TOKEN_ENDPOINT_AUTH_METHODS)
    except OAuth2Error:
        return None  # Authlib refuses the client with its usual answer
    item = service.take(store, current_app.config, client.client_id, faults.TOKEN_ENDPOINT)
    if item is None:
        return None
    db.session.commit()  # the audit row of the fault
    if item.fault == "token_error":
        return server.handle_error_response(oauth_request, InvalidGrantError())
    # a broken token endpoint: the HTML error page a failing server or proxy gives
    with current_app.request_context(request.environ):
        page, status = common.render(
            500, SERVER_ERROR_MESSAGE, "server_error", template="idp/error.html", as_json=False
        )
    return Answer(status, page.encode(), [("Content-Type", "text/html; charset=utf-8")])
