"""First-login registration (§6.4) and "Modificación de Datos" ([S1 Anexo I]): one form, the
rules of ``domain.registration`` through ``services.accounts``.

The wizard serves the pending login that admission (``services.entry``) started; saving it
opens that login's session. Both forms work without JavaScript: the ubigeo cascade reloads the
page (``action=refresh``).
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

import peru_ids

from ..core import core
from ..domain import messages, ubigeo
from ..domain.errors import IdpUnavailable, TokenRejected
from ..domain.identity import identity_from_claims
from ..domain.registration import RegistrationData, RegistrationError
from ..services import accounts, entry, padron
from ..services.sessions import current_account, current_user
from ..storage import db

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
LOOKUP_DOWN = {"linked_ruc": messages.ERR_LOOKUP_UNAVAILABLE}


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


def _form(account) -> tuple[dict, str | None]:
    """(the form's values, the button pressed): the account's data on GET, the posted ones
    (``submit``, ``validate_ruc`` or ``refresh``) on POST."""
    if request.method == "GET":
        return _form_from_account(account), None
    return _form_from_request(), request.form.get("action", "submit")


def _data(form: dict) -> RegistrationData:
    fields = {k: form[k] for k in FORM_FIELDS}
    return RegistrationData(
        **fields,
        notifications_consent=form["notifications_consent"],
        accepted_terms_version=form.get("accepted_terms_version"),
    )


def _form_page(template: str, form: dict, errors: dict, account, **extra):
    return render_template(
        template, form=form, errors=errors, choices=_cascade(form), account=account, **extra
    )


def _save(save, *args, **kwargs) -> dict[str, str]:
    """Run a saving service and commit; the field errors when it refused (nothing saved)."""
    try:
        save(*args, **kwargs)
    except RegistrationError as exc:
        db.session.rollback()
        return exc.errors
    except (IdpUnavailable, TokenRejected):  # the padrón / ITP lookup did not answer
        db.session.rollback()
        return LOOKUP_DOWN
    db.session.commit()
    return {}


def _lookup_linked(section: str, raw_ruc: str) -> tuple[dict | None, dict[str, str]]:
    """ "Validar RUC" of the agent / laboratory section: (what the padrón says, errors)."""
    try:
        ruc = peru_ids.validate_ruc(raw_ruc)
        linked = accounts.lookup_linked(
            section, ruc, padron.client(), current_app.config["LAB_REGISTRY_NAME"]
        )
    except (IdpUnavailable, TokenRejected):
        return None, LOOKUP_DOWN
    except ValueError as exc:  # the padrón's answer (RegistrationError) or not a RUC (§3.1)
        return None, getattr(exc, "errors", None) or {"linked_ruc": messages.ERR_LINKED_RUC_INVALID}
    return linked, {}


def register():
    """DATOS GENERALES USUARIO (+ agent / laboratory section), e-mail, consent, Condiciones."""
    pending_id, pending = entry.pending()
    if pending is None:
        return redirect(url_for("vuce_core.login"))
    identity = identity_from_claims(pending["claims"])
    account = accounts.get_by_key(identity.account_key)
    if account is None:
        abort(400)
    section = pending.get("section")
    cfg = current_app.config
    form, action = _form(account)
    errors: dict[str, str] = {}
    linked = None
    if action == "validate_ruc" and section:
        linked, errors = _lookup_linked(section, form["linked_ruc"])
    elif action == "submit":
        errors = _save(
            accounts.register,
            account,
            _data(form),
            needs_section=section,
            registered_as=pending.get("registered_as"),
            terms_version=cfg["TERMS_VERSION"],
            padron=padron.client(),
            lab_registry_name=cfg["LAB_REGISTRY_NAME"],
        )
        if not errors:
            entry.finish_registration(pending_id, pending, account)
            comp = core().components.get(pending["component"])
            next_url = pending.get("next") or comp.home_url()
            return render_template("vuce/register_done.html", next_url=next_url)
    # action == "refresh": the no-JS cascade reload, nothing validated
    return _form_page(
        "vuce/register.html",
        form,
        errors,
        account,
        identity=identity,
        section=section,
        linked=linked,
        first=not account.registered,
        terms_version=cfg["TERMS_VERSION"],
        lab_registry_name=cfg["LAB_REGISTRY_NAME"],
    )


def profile():
    """Modificación de Datos: reached by clicking one's own name; button "Actualizar Datos"."""
    if current_user() is None:
        return redirect(url_for("vuce_core.login"))
    account = current_account()
    form, action = _form(account)
    errors: dict[str, str] = {}
    if action == "submit":
        errors = _save(accounts.update_profile, account, _data(form))
    done = action == "submit" and not errors
    return _form_page("vuce/profile.html", form, errors, account, done=done)
