"""Shared screens of every component app (blueprint ``vuce_core``): the /login chooser, health,
the ubigeo cascade endpoints, and the registration screens of ``web.registration`` (first-login
registration, §6.4, and "Modificación de Datos", [S1 Anexo I])."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from webcommon.health import readiness

from ..core import core
from ..domain import messages, ubigeo
from ..services.sessions import current_account, current_user
from ..storage import db
from . import registration

bp = Blueprint(
    "vuce_core",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/vuce-static",
)


def template_globals() -> dict:
    """What every VUCE page may show: the session, its account, the texts and the components."""
    return {
        "vuce_user": current_user(),
        "vuce_account": current_account,
        "msg": messages,
        "vuce_components": core().components,
    }


@bp.get("/login")
def login():
    """ "Importador/Exportador (Clave SOL)" or "Funcionario (Extranet)", per component."""
    comps = core().components
    chosen = comps.get((request.args.get("componente") or "").upper())
    return render_template("vuce/login.html", components=comps, chosen=chosen)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database and the store are reachable, and `vuce-sol up` is not loading its demo."""
    ready, checks = readiness(db, core().store, current_app.instance_path)
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


# -- ubigeo cascade (JSON for ubigeo.js; the forms also work without it) ----------------------
@bp.get("/api/ubigeo/departamentos")
def ubigeo_departments():
    return jsonify([{"code": c, "name": n} for c, n in ubigeo.departments()])


@bp.get("/api/ubigeo/provincias/<dept>")
def ubigeo_provinces(dept):
    return jsonify([{"code": c, "name": n} for c, n in ubigeo.provinces(dept)])


@bp.get("/api/ubigeo/distritos/<prov>")
def ubigeo_districts(prov):
    return jsonify([{"code": c, "name": n} for c, n in ubigeo.districts(prov)])


# -- first-login registration (§6.4) and Modificación de Datos ([S1 Anexo I]) ----------------
bp.add_url_rule("/registro", view_func=registration.register, methods=["GET", "POST"])
bp.add_url_rule("/mis-datos", view_func=registration.profile, methods=["GET", "POST"])
