"""REST API ``/api/v1`` (contract.md): the directory for scripts, VUCE and integration tests.

Bearer auth: the admin token, or an access token of a principal user with scope ``sol:admin``
(own RUC only: any other RUC answers 404, exactly like an unknown one). The padrón and ITP
lookups also accept client_credentials tokens with scope ``padron``. JSON only, CSRF-exempt
(no cookies are read here), and every rule of the domain answers with its own code.
"""

import json
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, request, url_for

from webcommon.security import bearer_token, token_matches

from ..domain import accounts as account_rules
from ..domain import errors, messages
from ..domain import profiles as profile_rules
from ..domain.accounts import StatusAction, UserStatus
from ..oidc import logout
from ..services import accounts, directory, snapshots, tokens
from ..storage.db import db
from .openapi import document
from .security import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

ADMIN_SCOPE = "sol:admin"
PADRON_SCOPE = "padron"
MAX_BODY = 64 * 1024
API_ACTIONS = frozenset(a.value for a in StatusAction)


class InvalidJson(errors.DomainError):
    code = "INVALID_JSON"
    status = 400
    message = messages.ERR_INVALID_JSON


class UnknownFields(errors.DomainError):
    code = "UNKNOWN_FIELDS"
    status = 422
    message = messages.ERR_UNKNOWN_FIELDS


class InvalidField(errors.DomainError):
    code = "INVALID_FIELD"
    status = 422
    message = messages.ERR_INVALID_FIELD


class Unauthorized(errors.DomainError):
    code = "UNAUTHORIZED"
    status = 401
    message = messages.ERR_UNAUTHORIZED


class Forbidden(errors.DomainError):
    code = "FORBIDDEN"
    status = 403
    message = messages.ERR_FORBIDDEN
    scope: str | None = None  # the scope that would have allowed it (RFC 6750 §3.1)


class AdminTokenOnly(Forbidden):
    message = messages.ERR_ADMIN_TOKEN_ONLY


class MissingAdminScope(Forbidden):
    message = messages.ERR_MISSING_SCOPE
    scope = ADMIN_SCOPE


class MissingPadronScope(Forbidden):
    message = messages.ERR_MISSING_PADRON_SCOPE
    scope = PADRON_SCOPE


@bp.errorhandler(errors.DomainError)
def domain_error(exc: errors.DomainError):
    db.session.rollback()
    response = jsonify(exc.to_dict())
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sol"'
    elif isinstance(exc, Forbidden) and exc.scope:
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="sol", error="insufficient_scope", scope="{exc.scope}"'
        )
    return response, exc.status


# --- Who is calling ------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    kind: str  # "admin", "principal" (sol:admin), "client" (client_credentials) or "user"
    actor: str
    ruc: str | None = None
    scopes: frozenset = frozenset()


def _caller() -> Caller:
    value = bearer_token(request.headers.get("Authorization"))
    if value is None:
        raise Unauthorized("no bearer token")
    if token_matches(value, current_app.config["ADMIN_TOKEN"]):
        return Caller("admin", "admin")
    row = tokens.by_access(value)
    if row is None:
        raise Unauthorized("unknown, expired or revoked token")
    scopes = frozenset((row.scope or "").split())
    if row.account is None:
        return Caller("client", f"client:{row.client_id}", scopes=scopes)
    account = snapshots.account(row.account)
    if account is None:
        raise Unauthorized("account gone")
    if account.user_type == accounts.PRINCIPAL and ADMIN_SCOPE in scopes:
        return Caller("principal", account.key, account.ruc, scopes)
    # Secondary and Extranet users never reach the administration, whatever their scopes.
    return Caller("user", account.key, account.ruc, scopes)


def _admin_only() -> Caller:
    caller = _caller()
    if caller.kind != "admin":
        raise AdminTokenOnly(f"{caller.kind} on admin-only endpoint")
    return caller


def _for_ruc(ruc: str, *, padron: bool = False) -> tuple[Caller, str]:
    """The caller and the normalized RUC, if the caller may act on it (else 403/404)."""
    caller = _caller()
    ruc = account_rules.normalize_ruc(ruc)
    if caller.kind == "admin":
        return caller, ruc
    if padron and caller.kind == "client" and PADRON_SCOPE in caller.scopes:
        return caller, ruc
    if caller.kind == "principal":
        if ruc != caller.ruc:
            # Another RUC looks exactly like an unknown one: nothing about it leaks.
            raise directory.TaxpayerNotFound(f"principal of {caller.ruc} asked {ruc}", ruc=ruc)
        return caller, ruc
    if padron and caller.kind == "client":
        raise MissingPadronScope(f"client without {PADRON_SCOPE}", scope=PADRON_SCOPE)
    raise MissingAdminScope(f"{caller.kind} without {ADMIN_SCOPE}", scope=ADMIN_SCOPE)


# --- Bodies --------------------------------------------------------------------------------

STR, BOOL, STR_LIST, OBJECT, OPT_STR = "string", "boolean", "string[]", "object", "string?"


def _type_ok(value, kind: str) -> bool:
    if kind == STR:
        return isinstance(value, str)
    if kind == OPT_STR:
        return value is None or isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == STR_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, dict)


def _check_fields(data, spec: dict[str, str], required: set[str], where: str = "") -> dict:
    if not isinstance(data, dict):
        raise InvalidJson("body is not an object")
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise UnknownFields(str(unknown), fields=", ".join(where + k for k in unknown))
    for name in sorted(required):
        if data.get(name) is None:
            raise errors.FieldRequired(field=where + name)
    for name, value in data.items():
        if not _type_ok(value, spec[name]):
            raise InvalidField(field=where + name)
    return data


def _body(spec: dict[str, str], required: set[str]) -> dict:
    """The JSON object of the request, checked against ``spec`` (unknown fields → 422)."""
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise InvalidJson("body too large")
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        raise InvalidJson("not JSON") from None
    return _check_fields(data, spec, required)


def _int_arg(name: str, default: int, low: int = 1, high: int = 10**6) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidField(field=name)
    return int(raw)


TAXPAYER = {
    "ruc": STR,
    "company_name": STR,
    "address": STR,
    "phones": STR,
    "email": STR,
    "fax": STR,
    "is_customs_agent": BOOL,
    "principal": OBJECT,
}
PRINCIPAL = {"username": STR, "password": STR}
SECONDARY = {
    "username": STR,
    "password": STR,
    "document_type": STR,
    "document_number": STR,
    "names": OPT_STR,
    "email": OPT_STR,
    "profiles": STR_LIST,
    "roles": STR_LIST,
}
EXTRANET = {"username": STR, "password": STR, "names": STR, "entity": STR, "email": OPT_STR}
LABORATORY = {"ruc": STR, "name": STR}


# --- Taxpayers and padrón ------------------------------------------------------------------


@bp.post("/taxpayers")
def create_taxpayer():
    """Create a RUC with its padrón data and its principal user (admin token only)."""
    caller = _admin_only()
    data = _body(TAXPAYER, {"ruc", "company_name", "principal"})
    principal = _check_fields(
        data.pop("principal"), PRINCIPAL, {"username", "password"}, "principal."
    )
    taxpayer = directory.create_taxpayer(
        principal_username=principal["username"],
        principal_password=principal["password"],
        actor=caller.actor,
        **data,
    )
    db.session.commit()
    body = dict(
        directory.padron(taxpayer), principal={"username": principal["username"].strip().upper()}
    )
    response = jsonify(body)
    response.headers["Location"] = url_for("api.get_taxpayer", ruc=taxpayer.ruc)
    return response, 201


@bp.get("/taxpayers/<ruc>")
def get_taxpayer(ruc):
    """Padrón lookup: admin, the principal of that RUC, or a client with scope padron."""
    _, ruc = _for_ruc(ruc, padron=True)
    return jsonify(directory.padron(directory.get_taxpayer(ruc)))


# --- Secondary users -----------------------------------------------------------------------


@bp.get("/taxpayers/<ruc>/users")
def list_users(ruc):
    """Secondary users of the RUC, paginated; ``q`` searches usuario, document and names."""
    _, ruc = _for_ruc(ruc)
    status = request.args.get("status") or None
    if status is not None and status.upper() not in UserStatus.__members__:
        raise InvalidField(field="status")
    page = directory.list_secondary_users(
        ruc,
        query=request.args.get("q"),
        status=status,
        page=_int_arg("page", 1),
        per_page=_int_arg("per_page", 50, high=directory.MAX_PER_PAGE),
    )
    return jsonify(
        items=[v.to_dict() for v in page.items],
        page=page.page,
        per_page=page.per_page,
        total=page.total,
        pages=page.pages,
    )


@bp.post("/taxpayers/<ruc>/users")
def create_user(ruc):
    """Create a secondary user ("Crear Usuario" + "Grabar")."""
    caller, ruc = _for_ruc(ruc)
    data = _body(SECONDARY, {"username", "password", "document_type", "document_number"})
    user = directory.create_secondary_user(ruc, actor=caller.actor, **data)
    db.session.commit()
    response = jsonify(
        dict(directory.user_view(user).to_dict(), message=messages.SECONDARY_USER_CREATED)
    )
    response.headers["Location"] = url_for("api.get_user", ruc=ruc, username=user.username)
    return response, 201


@bp.get("/taxpayers/<ruc>/users/<username>")
def get_user(ruc, username):
    """One secondary user (deleted ones too: they stay listed)."""
    _, ruc = _for_ruc(ruc)
    directory.get_taxpayer(ruc)
    return jsonify(directory.user_view(directory.get_secondary_user(ruc, username)).to_dict())


@bp.put("/taxpayers/<ruc>/users/<username>/profiles")
def put_profiles(ruc, username):
    """Replace profiles; after IDP_PROFILE_DELAY_SECONDS (the previous set stays until then)."""
    caller, ruc = _for_ruc(ruc)
    data = _body({"profiles": STR_LIST}, {"profiles"})
    view = directory.change_profiles(ruc, username, data["profiles"], actor=caller.actor)
    db.session.commit()
    message = profile_rules.confirmation_message(directory.profile_delay())
    return jsonify(dict(view.to_dict(), message=message))


@bp.put("/taxpayers/<ruc>/users/<username>/roles")
def put_roles(ruc, username):
    """Replace roles, at once; combinations are VUCE's business (§5.4)."""
    caller, ruc = _for_ruc(ruc)
    data = _body({"roles": STR_LIST}, {"roles"})
    view = directory.change_roles(ruc, username, data["roles"], actor=caller.actor)
    db.session.commit()
    return jsonify(dict(view.to_dict(), message=messages.ROLES_ASSIGNED))


@bp.post("/taxpayers/<ruc>/users/<username>/status")
def post_status(ruc, username):
    """Suspend, reactivate or delete (§5.5); suspension and deletion log the user out."""
    caller, ruc = _for_ruc(ruc)
    data = _body({"action": STR}, {"action"})
    action = data["action"].strip().lower()
    if action not in API_ACTIONS:  # the API words only, not the screens' Spanish labels
        raise errors.InvalidStatusAction(f"action={data['action']!r}")
    view, ended = directory.change_status(ruc, username, action, actor=caller.actor)
    logout.commit_then_notify(ended)
    return jsonify(dict(view.to_dict(), message=messages.STATUS_CHANGED))


# --- Extranet and ITP ----------------------------------------------------------------------


@bp.post("/extranet-users")
def create_extranet_user():
    """Create an Extranet (EXT…) official (admin token only)."""
    caller = _admin_only()
    data = _body(EXTRANET, {"username", "password", "names", "entity"})
    row = directory.create_extranet_user(actor=caller.actor, **data)
    db.session.commit()
    return jsonify(
        username=row.username,
        names=row.names,
        entity=row.entity,
        email=row.email,
        status=row.status,
    ), 201


def _change_extranet_status(username: str, action: str):
    caller = _admin_only()
    row, ended = directory.change_extranet_status(username, action, actor=caller.actor)
    logout.commit_then_notify(ended)
    return jsonify(dict(directory.extranet_dict(row), message=messages.STATUS_CHANGED))


# Suspension and deletion end the official's SSO sessions and tokens and tell the clients
# (back-channel logout), as for secondary users; admin token only.
@bp.post("/extranet-users/<username>/suspend")
def suspend_extranet_user(username):
    """Suspend an Extranet official (ACTIVO → SUSPENDIDO)."""
    return _change_extranet_status(username, "suspend")


@bp.post("/extranet-users/<username>/reactivate")
def reactivate_extranet_user(username):
    """Reactivate a suspended Extranet official (SUSPENDIDO → ACTIVO)."""
    return _change_extranet_status(username, "reactivate")


@bp.post("/extranet-users/<username>/delete")
def delete_extranet_user(username):
    """Delete an Extranet official for good (→ ELIMINADO)."""
    return _change_extranet_status(username, "delete")


def _lab(row) -> dict:
    return {"ruc": row.ruc, "name": row.name, "registered_at": directory._iso(row.created_at)}


@bp.get("/itp/laboratories/<ruc>")
def get_laboratory(ruc):
    """ITP laboratory registry lookup (admin, padron clients, the principal of that RUC)."""
    _, ruc = _for_ruc(ruc, padron=True)
    return jsonify(_lab(directory.get_laboratory(ruc)))


@bp.post("/itp/laboratories")
def create_laboratory():
    """Register a laboratory in the ITP registry stand-in (admin token only)."""
    caller = _admin_only()
    data = _body(LABORATORY, {"ruc", "name"})
    row = directory.register_laboratory(actor=caller.actor, **data)
    db.session.commit()
    return jsonify(_lab(row)), 201


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(document(current_app.config["ISSUER"]))
