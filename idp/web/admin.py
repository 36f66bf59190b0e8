"""The SOL portal: "Trámites, Consultas, Declaraciones Informativas" → "Administración de
Usuarios Secundarios" (domain.md §5), "Cambiar Clave" and "Historial".

People come here straight, not through a client: without an SSO session the SOL login page
opens in portal mode and brings them back. Only the Usuario Principal reaches the
administration, and only for its own RUC (the RUC comes from the session, never from the URL).
Multi-step screens keep their state server-side in the store, bound to the SSO session; the
clave typed in "Crear Usuario" is kept there encrypted until "Grabar", never in the cookie.
"""

import base64
import hashlib
import hmac
import json
import secrets
from functools import wraps

from cryptography.fernet import Fernet, InvalidToken
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

import peru_ids

from ..domain import accounts as rules
from ..domain import audit as audit_domain
from ..domain import errors, messages
from ..domain import profiles as profile_rules
from ..domain import roles as role_rules
from ..oidc import logout
from ..services import accounts, audit, directory
from ..storage.db import db
from .admin_forms import CreateUserForm, CsrfForm, PasswordChangeForm
from .errors import error_response
from .limits import limiter
from .login import start_portal_login
from .oidc import current_sso

bp = Blueprint("admin", __name__, url_prefix="/sol")
PER_PAGE = 20


# --- Session and access ------------------------------------------------------------------------


def _store():
    return current_app.extensions["sol_store"]


def _login_redirect():
    next_path = request.full_path.rstrip("?") if request.method == "GET" else url_for("admin.menu")
    return redirect(url_for("login.sol", challenge=start_portal_login(next_path)))


def portal_view(*, principal: bool = False, secondary: bool = False):
    """Require an SSO session; ``principal``/``secondary`` restrict who may see the view."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            sso, account = current_sso()
            if account is None:
                return _login_redirect()
            if principal and account.user_type != accounts.PRINCIPAL:
                abort(403)  # secondary and Extranet users never reach the administration
            if secondary and account.user_type != accounts.SECONDARY:
                abort(404)
            return view(sso, account, *args, **kwargs)

        return wrapper

    return decorate


@bp.errorhandler(errors.DomainError)
def domain_error(exc: errors.DomainError):
    db.session.rollback()
    if exc.status == 404:
        return error_response(404, exc.message, exc.code)
    flash(exc.message, "error")
    return redirect(url_for("admin.users"))


@bp.app_context_processor
def portal_context():
    return {"msg": messages}


# --- Wizard state (server-side, bound to the SSO session) -------------------------------------


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hashlib.sha256(b"sol-wizard-clave\x00" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _wizard_new(sso, account, kind: str, **state) -> str:
    wid = secrets.token_urlsafe(18)
    state.update(kind=kind, sid=sso.sid, ruc=account.ruc)
    _wizard_save(wid, state)
    return wid


def _wizard_save(wid: str, state: dict) -> None:
    _store().set(f"wizard:{wid}", json.dumps(state), ttl=current_app.config["LOGIN_CHALLENGE_TTL"])


def _wizard(wid: str, sso, account) -> dict:
    raw = _store().get(f"wizard:{wid}")
    state = json.loads(raw) if raw else None
    # Another session's wizard looks exactly like an expired one.
    if not state or state.get("sid") != sso.sid or state.get("ruc") != account.ruc:
        flash(messages.ERR_WIZARD_EXPIRED, "error")
        return None
    return state


# --- Menu and logout ---------------------------------------------------------------------------


@bp.get("")
@portal_view()
def menu(sso, account):
    """ "Trámites, Consultas, Declaraciones Informativas": the menu after login."""
    reminder = False
    if account.user_type == accounts.SECONDARY:
        user = directory.get_secondary_user(account.ruc, account.username)
        reminder = user.must_change_password
    return render_template(
        "idp/admin/menu.html", account=account, reminder=reminder, form=CsrfForm()
    )


@bp.post("/salir")
def sign_out():
    """ "Cerrar sesión": ends the SSO session (and tells the clients that hold it)."""
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    sid = session.get("sid")
    if sid:
        logout.end_session(current_app.extensions["sol_server"], sid)
    session.clear()
    return render_template("idp/logged_out.html")


# --- (A) and (B): Administración de Usuarios Secundarios -------------------------------------


@bp.get("/usuarios")
@portal_view(principal=True)
def users(sso, account):
    """The two areas, searchable and paginated."""
    q = (request.args.get("q") or "").strip()[:100]
    page_no = request.args.get("page", "1")
    page_no = int(page_no) if page_no.isdigit() and 0 < int(page_no) < 10**6 else 1
    page = directory.list_secondary_users(account.ruc, query=q, page=page_no, per_page=PER_PAGE)
    taxpayer = directory.get_taxpayer(account.ruc)
    return render_template(
        "idp/admin/users.html",
        account=account,
        taxpayer=taxpayer,
        page=page,
        q=q,
        count=directory.non_deleted_count(account.ruc),
        limit=rules.MAX_SECONDARY_USERS,
    )


# --- Crear Usuario wizard ----------------------------------------------------------------------


@bp.route("/usuarios/crear", methods=["GET", "POST"])
@portal_view(principal=True)
def create(sso, account):
    """Step 1: document, names, e-mail, usuario, clave and its confirmation."""
    form = CreateUserForm()
    error = None
    if form.validate_on_submit():
        try:
            new = rules.validate_new_secondary_user(
                username=form.usuario.data,
                password=form.clave.data,
                document_type=form.tipo_documento.data,
                document_number=form.numero_documento.data,
                names=form.nombres.data,
                email=form.email.data,
                password_confirmation=form.clave_confirmacion.data,
                check_confirmation=True,
            )
            # Checked again at "Grabar"; here so the user learns early.
            rules.check_can_create(
                directory.non_deleted_count(account.ruc),
                new.username,
                directory._username_used(account.ruc),
            )
        except errors.DomainError as exc:
            error = exc.message
        else:
            data = {
                "document_type": new.document_type.value,
                "document_number": new.document_number,
                "names": new.names,
                "email": new.email,
                "username": new.username,
            }
            clave = _fernet().encrypt(new.password.encode()).decode()
            wid = _wizard_new(
                sso,
                account,
                "create",
                data=data,
                clave=clave,
                selected=[profile_rules.VUCE_PROFILE],
            )
            return redirect(url_for("admin.confirm_data", wid=wid))
    elif request.method == "POST":
        error = messages.ERR_WIZARD_EXPIRED
    status = 200 if error is None else 422
    return render_template("idp/admin/create.html", form=form, error=error, account=account), status


@bp.route("/asistente/<wid>/confirmacion", methods=["GET", "POST"])
@portal_view(principal=True)
def confirm_data(sso, account, wid):
    """ "Confirmación de datos del Usuario Secundario"."""
    state = _wizard(wid, sso, account)
    if state is None or state["kind"] != "create":
        return redirect(url_for("admin.users"))
    form = CsrfForm()
    if form.validate_on_submit():
        return redirect(url_for("admin.assign_profiles", wid=wid))
    return render_template(
        "idp/admin/confirm_data.html",
        data=state["data"],
        form=form,
        wid=wid,
        account=account,
        doc_labels=_doc_labels(),
    )


@bp.route("/usuarios/<username>/perfiles", methods=["GET"])
@portal_view(principal=True)
def modify_profiles(sso, account, username):
    """ "Modificar Perfiles": opens the two panels with the user's current selection."""
    user = directory.get_secondary_user(account.ruc, username)
    rules.check_profiles_editable(user.status)
    view = directory.user_view(user)
    wid = _wizard_new(
        sso,
        account,
        "profiles",
        target=user.username,
        selected=list(view.scheduled_profiles),
        before=list(view.scheduled_profiles),
    )
    return redirect(url_for("admin.assign_profiles", wid=wid))


@bp.route("/asistente/<wid>/perfiles", methods=["GET", "POST"])
@portal_view(principal=True)
def assign_profiles(sso, account, wid):
    """ "Asignación de Perfiles": profiles on the left, that profile's options on the right."""
    state = _wizard(wid, sso, account)
    if state is None:
        return redirect(url_for("admin.users"))
    groups = profile_rules.groups()
    form = CsrfForm()
    current = _group_index(request.values.get("grupo_actual"), groups)
    if form.validate_on_submit():
        shown = {o.code for o in groups[current].options}
        ticked = set(request.form.getlist("opcion")) & shown
        state["selected"] = sorted((set(state["selected"]) - shown) | ticked)
        _wizard_save(wid, state)
        if request.form.get("accion") == "siguiente":
            return redirect(url_for("admin.summary", wid=wid))
        current = _group_index(request.form.get("grupo"), groups, current)
    selected = set(state["selected"])
    return render_template(
        "idp/admin/profiles.html",
        groups=groups,
        current=current,
        selected=selected,
        form=form,
        wid=wid,
        state=state,
        account=account,
    )


def _group_index(value, groups, default: int = 0) -> int:
    return int(value) if value and value.isdigit() and int(value) < len(groups) else default


@bp.route("/asistente/<wid>/resumen", methods=["GET", "POST"])
@portal_view(principal=True)
def summary(sso, account, wid):
    """The summary, then "Grabar"."""
    state = _wizard(wid, sso, account)
    if state is None:
        return redirect(url_for("admin.users"))
    form = CsrfForm()
    error = None
    if form.validate_on_submit():
        try:
            message = _save(state, account)
        except errors.DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            _store().delete(f"wizard:{wid}")
            flash(message, "success")
            return redirect(url_for("admin.users"))
    options = [profile_rules.BY_CODE[c] for c in state["selected"]]
    before = set(state.get("before") or ())
    return render_template(
        "idp/admin/summary.html",
        state=state,
        options=options,
        added=set(state["selected"]) - before,
        removed=[profile_rules.BY_CODE[c] for c in sorted(before - set(state["selected"]))],
        form=form,
        wid=wid,
        error=error,
        account=account,
        doc_labels=_doc_labels(),
        delay=directory.profile_delay(),
    )


def _save(state: dict, account) -> str:
    if state["kind"] == "create":
        try:
            clave = _fernet().decrypt(state["clave"].encode()).decode()
        except InvalidToken:
            raise errors.DomainError("wizard clave unreadable") from None
        data = state["data"]
        directory.create_secondary_user(
            account.ruc,
            username=data["username"],
            password=clave,
            document_type=data["document_type"],
            document_number=data["document_number"],
            names=data["names"],
            email=data["email"],
            profiles=state["selected"],
            actor=account.key,
        )
        return messages.SECONDARY_USER_CREATED
    directory.change_profiles(account.ruc, state["target"], state["selected"], actor=account.key)
    return profile_rules.confirmation_message(directory.profile_delay())


def _doc_labels() -> dict:
    return {t.value: t.label for t in peru_ids.DocumentType}


# --- Asignar Roles -----------------------------------------------------------------------------


@bp.route("/usuarios/<username>/roles", methods=["GET", "POST"])
@portal_view(principal=True)
def assign_roles(sso, account, username):
    """ "Asignación de Roles": tick, then "Asignar"; combinations are VUCE's business."""
    user = directory.get_secondary_user(account.ruc, username)
    rules.check_roles_editable(user.status)
    form = CsrfForm()
    if form.validate_on_submit():
        directory.change_roles(
            account.ruc, user.username, request.form.getlist("rol"), actor=account.key
        )
        db.session.commit()
        flash(messages.ROLES_ASSIGNED, "success")
        return redirect(url_for("admin.users"))
    view = directory.user_view(user)
    return render_template(
        "idp/admin/roles.html", view=view, roles=role_rules.ROLES, form=form, account=account
    )


# --- Cambiar Estado ----------------------------------------------------------------------------


def _parse_change(value: str | None):
    username, _, action = (value or "").partition(":")
    try:
        return username, rules.parse_status_action(action)
    except errors.DomainError:
        abort(400)


@bp.route("/estado", methods=["GET", "POST"])
@portal_view(principal=True)
def change_status(sso, account):
    """Area (B): confirm (and for "Eliminar", confirm the irreversibility) before changing."""
    form = CsrfForm()
    if request.method == "GET":
        if not request.args.get("cambio"):
            flash("Seleccione un usuario y la acción en la columna correspondiente.", "error")
            return redirect(url_for("admin.users"))
        username, action = _parse_change(request.args.get("cambio"))
        step = 1
    else:
        if not form.validate_on_submit():
            abort(400)
        username, action = _parse_change(request.form.get("cambio"))
        step = 2 if request.form.get("paso") == "2" else 1
    user = directory.get_secondary_user(account.ruc, username)
    target = rules.next_status(user.status, action)  # refuses impossible changes up front
    change = f"{user.username}:{action.value}"
    if request.method == "POST":
        if step == 1 and action.needs_irreversible_confirmation:
            # Second confirmation; the token proves the first one was accepted.
            session["delete_confirm"] = change
            return render_template(
                "idp/admin/status_confirm.html",
                user=user,
                action=action,
                step=2,
                change=change,
                form=form,
                account=account,
                question=messages.DELETE_IRREVERSIBLE,
            )
        if step == 2 and session.pop("delete_confirm", None) != change:
            abort(400)
        change = directory.change_status(account.ruc, user.username, action, actor=account.key)
        logout.commit_then_notify(change.ended)
        flash(messages.STATUS_CHANGED, "success")
        return redirect(url_for("admin.users"))
    question = messages.STATUS_CHANGE_CONFIRM.format(username=user.username, status=target.label)
    return render_template(
        "idp/admin/status_confirm.html",
        user=user,
        action=action,
        step=1,
        change=change,
        form=form,
        account=account,
        question=question,
    )


# --- Cambiar Clave (secondary user) ------------------------------------------------------------


@bp.route("/clave", methods=["GET", "POST"])
@portal_view(secondary=True)
def change_password(sso, account):
    """ "Cambio de Clave SOL": clave anterior, nueva clave, confirmación (§5.6)."""
    form = PasswordChangeForm()
    error = None
    if form.validate_on_submit():
        try:
            directory.change_password(
                account.ruc,
                account.username,
                old_password=form.clave_anterior.data,
                new_password=form.nueva_clave.data,
                confirmation=form.confirmar_clave.data,
                actor=account.key,
            )
        except errors.DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(messages.PASSWORD_CHANGED, "success")
            return redirect(url_for("admin.menu"))
    elif request.method == "POST":
        error = messages.ERR_WIZARD_EXPIRED
    user = directory.get_secondary_user(account.ruc, account.username)
    return render_template(
        "idp/admin/password.html",
        form=form,
        error=error,
        account=account,
        reminder=user.must_change_password,
    ), 200 if error is None else 422


# --- Historial ---------------------------------------------------------------------------------


def actor_label(actor: str | None, ruc: str | None) -> str:
    """Who did it, in words: the principal, a secondary user, the API or the console."""
    kind, _, rest = (actor or "").partition(":")
    if kind == accounts.PRINCIPAL:
        return "Usuario Principal"
    if kind == accounts.SECONDARY:
        return rest.partition(":")[2] or rest
    if actor == "admin":
        return "Administrador (API)"
    if kind == "client":
        return f"Aplicación {rest}"
    return "Consola de administración"


@bp.get("/historial")
@portal_view(principal=True)
def history(sso, account):
    """The audit trail of the RUC: who, what, to whom, before and after, when, from where."""
    page_no = request.args.get("page", "1")
    page_no = int(page_no) if page_no.isdigit() and 0 < int(page_no) < 10**6 else 1
    rows, total = audit.history(account.ruc, page=page_no, per_page=50)
    return render_template(
        "idp/admin/history.html",
        rows=rows,
        total=total,
        page=page_no,
        pages=max(1, -(-total // 50)),
        account=account,
        label_for=audit_domain.label_for,
        actor_label=actor_label,
    )


# --- Usuarios Extranet (the operator's screen) ----------------------------------------------
#
# Extranet officials belong to no RUC, so no Usuario Principal administers them: SUNAT's
# operator does, with the admin token typed once per browser session. The session keeps a
# digest of the token, so rotating IDP_ADMIN_TOKEN closes every open operator screen.


def _token_digest(token: str) -> str:
    return hashlib.sha256(b"sol-operator\x00" + token.encode()).hexdigest()


def _operator_ok() -> bool:
    expected = str(current_app.config.get("ADMIN_TOKEN") or "")
    held = session.get("sol_operator") or ""
    return bool(expected) and hmac.compare_digest(held.encode(), _token_digest(expected).encode())


def _extranet_list(error=None, status=200):
    return render_template(
        "idp/admin/extranet.html",
        authorized=_operator_ok(),
        users=directory.list_extranet_users() if _operator_ok() else [],
        actions_of=rules.available_actions,
        form=CsrfForm(),
        error=error,
    ), status


def _token_rate():
    # Guessing the token is guessing a password: the login pages' limit per IP applies.
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/extranet", methods=["GET", "POST"])
@limiter.limit(_token_rate, methods=["POST"])
def extranet_users():
    """The list of officials with area (B)'s columns; the admin token opens it."""
    if request.method == "GET":
        return _extranet_list()
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("accion") == "salir":
        session.pop("sol_operator", None)
        return redirect(url_for("admin.extranet_users"))
    expected = str(current_app.config.get("ADMIN_TOKEN") or "")
    token = request.form.get("token") or ""
    if not (expected and hmac.compare_digest(token.encode(), expected.encode())):
        return _extranet_list(messages.OPERATOR_TOKEN_WRONG, 401)
    session["sol_operator"] = _token_digest(expected)
    return redirect(url_for("admin.extranet_users"))


@bp.route("/extranet/estado", methods=["GET", "POST"])
def extranet_status():
    """ "Cambiar Estado" of an official: the same confirmations as area (B) (§5.5)."""
    if not _operator_ok():
        return redirect(url_for("admin.extranet_users"))
    form = CsrfForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        username, action = _parse_change(request.form.get("cambio"))
        step = 2 if request.form.get("paso") == "2" else 1
    else:
        if not request.args.get("cambio"):
            flash("Seleccione un usuario y la acción en la columna correspondiente.", "error")
            return redirect(url_for("admin.extranet_users"))
        username, action = _parse_change(request.args.get("cambio"))
        step = 1
    try:
        user = directory.get_extranet_user(username)
        target = rules.next_status(user.status, action)  # refuses impossible changes up front
    except errors.DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.extranet_users"))
    change = f"{user.username}:{action.value}"
    question = messages.STATUS_CHANGE_CONFIRM.format(username=user.username, status=target.label)
    if request.method == "POST":
        if step == 1 and action.needs_irreversible_confirmation:
            session["extranet_delete_confirm"] = change
            question, step = messages.DELETE_IRREVERSIBLE, 2
        else:
            if step == 2 and session.pop("extranet_delete_confirm", None) != change:
                abort(400)
            change = directory.change_extranet_status(user.username, action, actor="operator")
            logout.commit_then_notify(change.ended)
            flash(messages.STATUS_CHANGED, "success")
            return redirect(url_for("admin.extranet_users"))
    return render_template(
        "idp/admin/extranet_confirm.html",
        authorized=True,
        user=user,
        action=action,
        step=step,
        change=change,
        form=form,
        question=question,
    )
