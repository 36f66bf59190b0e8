"""Shared screens of every component app: the /login chooser, first-login registration
(§6.4), "Modificación de Datos" ([S1 Anexo I]), the ubigeo cascade endpoints and health."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from webcommon.health import readiness

from ..domain import messages, ubigeo
from ..domain.errors import IdpUnavailable, TokenRejected
from ..domain.identity import identity_from_claims
from ..domain.registration import RegistrationData, RegistrationError
from ..services import accounts
from ..storage import db

bp = Blueprint(
    "vuce_core",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/vuce-static",
)

FORM_FIELDS = (
    "names",
    "ubigeo",
    "address",
    "reference",
    "phone",
    "mobile",
    "fax",
    "email",
    "area",
    "sub_area",
    "linked_ruc",
)


def _auth():
    return current_app.extensions["vuce_core"]


@bp.get("/login")
def login():
    """ "Importador/Exportador (Clave SOL)" or "Funcionario (Extranet)", per component."""
    comps = _auth().components
    chosen = comps.get((request.args.get("componente") or "").upper())
    return render_template("vuce/login.html", components=comps, chosen=chosen)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database and the store are reachable, and `vuce-sol up` is not loading its demo."""
    ready, checks = readiness(db, _auth().store, current_app.instance_path)
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


def _cascade(form: dict) -> dict:
    """Departamento → Provincia → Distrito choices for the current selection."""
    code = form.get("ubigeo") or ""
    dept = form.get("department") or (code[:2] if len(code) == 6 else "")
    prov = form.get("province") or (code[:4] if len(code) == 6 else "")
    if prov and not prov.startswith(dept):
        prov = ""
    if code and not code.startswith(prov or "--"):
        code = ""
    form.update(department=dept, province=prov, ubigeo=code)
    return {
        "departments": ubigeo.departments(),
        "provinces": ubigeo.provinces(dept) if dept else (),
        "districts": ubigeo.districts(prov) if prov else (),
    }


def _form_from_request() -> dict:
    form = {k: (request.form.get(k) or "").strip() for k in FORM_FIELDS}
    form["department"] = (request.form.get("department") or "").strip()
    form["province"] = (request.form.get("province") or "").strip()
    form["notifications_consent"] = request.form.get("notifications_consent") == "1"
    form["accepted_terms_version"] = request.form.get("accept_terms") or None
    return form


def _form_from_account(account) -> dict:
    form = {k: getattr(account, k, None) or "" for k in FORM_FIELDS}
    form["notifications_consent"] = bool(account.notifications_consent)
    form["department"] = form["province"] = ""
    return form


def _data(form: dict) -> RegistrationData:
    return RegistrationData(
        names=form["names"],
        ubigeo=form["ubigeo"],
        address=form["address"],
        reference=form["reference"],
        phone=form["phone"],
        mobile=form["mobile"],
        fax=form["fax"],
        email=form["email"],
        notifications_consent=form["notifications_consent"],
        accepted_terms_version=form.get("accepted_terms_version"),
        area=form["area"],
        sub_area=form["sub_area"],
        linked_ruc=form["linked_ruc"],
    )


# -- first-login registration (§6.4) ----------------------------------------------------------
def _pending():
    pending_id = session.get("vuce_pending")
    raw = _auth().store.get(f"vuce:pending:{pending_id}") if pending_id else None
    return (pending_id, json.loads(raw)) if raw else (None, None)


@bp.route("/registro", methods=["GET", "POST"])
def register():
    """DATOS GENERALES USUARIO (+ agent / laboratory section), e-mail, consent, Condiciones."""
    from ..auth import open_session

    pending_id, pending = _pending()
    if pending is None:
        return redirect(url_for("vuce_core.login"))
    identity = identity_from_claims(pending["claims"])
    account = accounts.get_by_key(identity.account_key)
    if account is None:
        abort(400)
    section = pending.get("section")
    cfg = current_app.config
    errors: dict[str, str] = {}
    linked = None
    if request.method == "GET":
        form = _form_from_account(account)
    else:
        form = _form_from_request()
        action = request.form.get("action", "submit")
        if action == "validate_ruc" and section:
            try:
                from peru_ids import validate_ruc

                linked = accounts.lookup_linked(
                    section,
                    validate_ruc(form["linked_ruc"]),
                    _auth().padron(),
                    cfg["LAB_REGISTRY_NAME"],
                )
            except ValueError as exc:
                errors = getattr(exc, "errors", None) or {
                    "linked_ruc": messages.ERR_LINKED_RUC_INVALID
                }
            except (IdpUnavailable, TokenRejected):
                errors = {"linked_ruc": messages.ERR_LOOKUP_UNAVAILABLE}
        elif action == "submit":
            try:
                accounts.register(
                    account,
                    _data(form),
                    needs_section=section,
                    registered_as=pending.get("registered_as"),
                    terms_version=cfg["TERMS_VERSION"],
                    padron=_auth().padron(),
                    lab_registry_name=cfg["LAB_REGISTRY_NAME"],
                )
            except RegistrationError as exc:
                db.session.rollback()
                errors = exc.errors
            except (IdpUnavailable, TokenRejected):
                db.session.rollback()
                errors = {"linked_ruc": messages.ERR_LOOKUP_UNAVAILABLE}
            else:
                db.session.commit()
                _auth().store.delete(f"vuce:pending:{pending_id}")
                session.pop("vuce_pending", None)
                claims = pending["claims"]
                open_session(
                    account,
                    claims,
                    pending["component"],
                    sid=claims.get("sid"),
                    id_token=pending.get("id_token"),
                )
                comp = _auth().components.get(pending["component"])
                return render_template(
                    "vuce/register_done.html", next_url=pending.get("next") or comp.home_url()
                )
        # action == "refresh": the no-JS cascade reload, nothing validated
    choices = _cascade(form)
    return render_template(
        "vuce/register.html",
        form=form,
        errors=errors,
        choices=choices,
        account=account,
        identity=identity,
        section=section,
        linked=linked,
        first=not account.registered,
        terms_version=cfg["TERMS_VERSION"],
        lab_registry_name=cfg["LAB_REGISTRY_NAME"],
    )


# -- Modificación de Datos ([S1 Anexo I]) -----------------------------------------------------
@bp.route("/mis-datos", methods=["GET", "POST"])
def profile():
    """Reached by clicking one's own name; button "Actualizar Datos"."""
    from ..auth import current_account, current_user

    if current_user() is None:
        return redirect(url_for("vuce_core.login"))
    account = current_account()
    errors: dict[str, str] = {}
    done = False
    if request.method == "GET":
        form = _form_from_account(account)
    else:
        form = _form_from_request()
        if request.form.get("action", "submit") == "submit":
            try:
                accounts.update_profile(account, _data(form))
            except RegistrationError as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                db.session.commit()
                done = True
    choices = _cascade(form)
    return render_template(
        "vuce/profile.html", form=form, errors=errors, choices=choices, account=account, done=done
    )
