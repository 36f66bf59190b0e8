"""The RP console on the SOL portal (``/sol/consola-rp``): for one client, its last token
events (decoded claims and kid, never the tokens) and the RP test bench faults and outage
mode, armed and cleared through the same services as the REST API.

Reached with the admin token (the operator's session of the Extranet screen), and only where
the simulators run: development, or production with IDP_ALLOW_SIMULATION=true (404 otherwise).
"""

import hmac
import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..domain import messages
from ..oidc import faults
from ..services import clients, console, outage, rp_faults
from ..storage.db import db
from .admin import _operator_ok, _token_digest, _token_rate
from .admin_forms import CsrfForm
from .limits import limiter

bp = Blueprint("console", __name__, url_prefix="/sol")
log = logging.getLogger("idp.console")
ACTOR = "rp-console"


def _store():
    return current_app.extensions["sol_store"]


@bp.before_request
def _only_with_simulation():
    if not rp_faults.enabled(current_app.config):
        abort(404)


def _page(client_id: str | None, error: str | None = None, status: int = 200):
    store = _store()
    authorized = _operator_ok()
    client = clients.get(client_id) if authorized and client_id else None
    if client is not None:
        console.watch(store, client.client_id)  # record its token events from now on
    return render_template(
        "idp/admin/console.html",
        authorized=authorized,
        form=CsrfForm(),
        error=error,
        clients=sorted(c.client_id for c in clients.all_clients()) if authorized else [],
        client=client,
        events=console.events(store, client.client_id) if client else [],
        armed=rp_faults.armed(store, client.client_id) if client else [],
        catalogue=faults.CATALOGUE,
        outage=outage.read(store) if authorized else None,
        modes=outage.MODES,
        max_events=console.MAX_EVENTS,
        max_times=rp_faults.MAX_TIMES,
    ), status


@bp.get("/consola-rp")
def page():
    return _page(request.args.get("cliente"))


@bp.post("/consola-rp")
@limiter.limit(_token_rate, methods=["POST"])
def act():
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    action = request.form.get("accion")
    client_id = request.form.get("cliente") or None
    if action == "ingresar":
        expected = str(current_app.config.get("ADMIN_TOKEN") or "")
        token = request.form.get("token") or ""
        if not (expected and hmac.compare_digest(token.encode(), expected.encode())):
            return _page(None, messages.OPERATOR_TOKEN_WRONG, 401)
        session["sol_operator"] = _token_digest(expected)
        return redirect(url_for("console.page"))
    if not _operator_ok():
        return redirect(url_for("console.page"))
    if action == "salir":
        session.pop("sol_operator", None)
        return redirect(url_for("console.page"))
    if action == "modo":
        _set_outage(request.form.get("modo"))
    elif clients.get(client_id) is None:
        return _page(None, messages.CONSOLE_UNKNOWN_CLIENT, 422)
    elif action == "armar":
        _arm(client_id)
    elif action == "retirar":
        item = rp_faults.clear(_store(), request.form.get("falla_id") or "", actor=ACTOR)
        if item is not None and item.client_id == client_id:
            flash(messages.CONSOLE_FAULT_CLEARED, "success")
    elif action == "retirar-todas":
        for item in rp_faults.armed(_store(), client_id):
            rp_faults.clear(_store(), item.id, actor=ACTOR)
        flash(messages.CONSOLE_FAULTS_CLEARED, "success")
    else:
        abort(400)
    db.session.commit()  # the audit rows of the services
    return redirect(url_for("console.page", cliente=client_id) if client_id else url_for(".page"))


def _arm(client_id: str) -> None:
    try:
        times = int(request.form.get("veces") or 1)
        client_id, fault, times = rp_faults.parse(client_id, request.form.get("falla"), times)
    except (ValueError, rp_faults.RpFaultError) as exc:
        flash(str(exc) if isinstance(exc, rp_faults.RpFaultError) else "Veces no válido.", "error")
        return
    rp_faults.arm(_store(), client_id, fault, times, actor=ACTOR)
    log.warning("rp fault %s armed for %s (%d times) from the console", fault, client_id, times)
    flash(
        messages.CONSOLE_FAULT_ARMED.format(fault=fault, client_id=client_id, times=times),
        "success",
    )


def _set_outage(mode: str | None) -> None:
    try:
        wanted = outage.parse(mode)
    except outage.OutageError as exc:
        flash(str(exc), "error")
        return
    _, after = outage.set_outage(_store(), wanted, actor=ACTOR)
    log.warning("simulated outage set to %s from the console", after.mode)
    flash(messages.CONSOLE_OUTAGE_SET.format(mode=after.mode), "success")
