"""OIDC endpoints: authorize, token, userinfo, introspection, revocation, logout, discovery."""

import hmac
import json
import secrets
import time
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError, InvalidRequestError
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    LoginRequiredError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc import jwt
from joserfc.errors import JoseError

from .. import metrics
from ..domain import messages
from ..domain import profiles as profile_rules
from ..oidc import logout
from ..oidc.server import LoginUser
from ..services import consents, sessions, snapshots
from ..services import rp_faults as rp_fault_service
from ..storage.db import db
from . import public_docs
from .limits import limiter
from .security import csrf

bp = Blueprint("oidc", __name__)
INTERNAL_PARAMS = ("_lc", "_deny")


def _server():
    return current_app.extensions["sol_server"]


def _store():
    return current_app.extensions["sol_store"]


def current_sso():
    """The SSO session named by the cookie and its account, or (None, None)."""
    sso = sessions.get(_store(), session.get("sid"))
    account = snapshots.account(sso.account) if sso else None
    return (sso, account) if account is not None else (None, None)


def _error_page(err: OAuth2Error):
    # Never redirect to a redirect_uri that was not validated (RFC 6749 §4.1.2.1).
    return render_template(
        "idp/error.html", error=err.error, description=err.get_error_description()
    ), err.status_code


def _error_response(err: OAuth2Error):
    if getattr(err, "redirect_uri", None):
        return _server().handle_error_response(None, err)
    return _error_page(err)


def _verification_keys():
    """Every key of our own ID tokens: the ring's, plus those the RP test bench published."""
    return rp_fault_service.verification_keys(_server().keyring, _store(), current_app.config)


def _decode_hint(token: str) -> dict | None:
    """Claims of an ID token we issued (expired ones are fine: OIDC Core §3.1.2.1)."""
    try:
        return dict(jwt.decode(token, _verification_keys(), algorithms=["RS256", "ES256"]).claims)
    except (JoseError, ValueError):
        return None


def _authz_query() -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.values.items(multi=True) if k not in INTERNAL_PARAMS]


def _pending(grant, params) -> str:
    """Keep the authorization request while the user logs in or consents."""
    cid = secrets.token_urlsafe(18)
    data = {
        "query": urlencode(params),
        "client_id": grant.client.client_id,
        "client_name": grant.client.name,
        "scope": grant.request.scope,
        "login_type": request.values.get("login_type", "sol"),
        "login_hint": request.values.get("login_hint", ""),
    }
    _store().set(f"authz:{cid}", json.dumps(data), ttl=current_app.config["LOGIN_CHALLENGE_TTL"])
    # Kept in the cookie so that an expired login page can still send the user back.
    session["return"] = {"redirect_uri": grant.redirect_uri, "state": request.values.get("state")}
    return cid


def load_pending(cid: str | None) -> dict | None:
    raw = _store().get(f"authz:{cid}") if cid else None
    return json.loads(raw) if raw else None


def resume_url(pending: dict, **extra) -> str:
    query = pending["query"] + ("&" + urlencode(extra) if extra else "")
    return url_for("oidc.authorize") + "?" + query


def _needs_login(sso, account, prompts, fresh: bool):
    """(login needed?, error) per OIDC Core §3.1.2.1: prompt, max_age, id_token_hint."""
    if account is None:
        return True, None
    if fresh:
        return False, None
    if "login" in prompts:
        return True, None
    max_age = request.values.get("max_age")
    if max_age is not None:
        if not max_age.isdigit():
            return False, "max_age"
        if time.time() - sso.auth_time > int(max_age):
            return True, None
    hint = request.values.get("id_token_hint")
    if hint:
        claims = _decode_hint(hint)
        if claims is None:
            return False, "id_token_hint"
        if claims.get("sub") != _server().subject(account):
            return True, None
    if request.values.get("login_type") == "extranet" and account.user_type != "extranet":
        return True, None
    return False, None


@bp.route("/authorize", methods=["GET", "POST"])
@limiter.exempt
@csrf.exempt  # an authorization request, not a form of ours; state/PKCE protect it
def authorize():
    server, store = _server(), _store()
    sso, account = current_sso()
    lc = request.values.get("_lc")
    fresh_sid = store.pop(f"lc:{lc}") if lc else None
    fresh = bool(fresh_sid and sso and fresh_sid.decode() == sso.sid)
    try:
        grant = server.get_consent_grant(end_user=LoginUser(account, sso) if account else None)
    except OAuth2Error as err:
        return _error_response(err)
    redirect_uri = grant.redirect_uri
    state = request.values.get("state")
    unsupported = _unsupported_request_object()
    if unsupported is not None:
        return _error_response(unsupported(redirect_uri=redirect_uri, state=state))
    if request.values.get("_deny") and store.pop(f"deny:{request.values['_deny']}"):
        return _denied(messages.OAUTH_ACCESS_DENIED_USER, redirect_uri, state)

    prompts = set(request.values.get("prompt", "").split())
    needs_login, bad_param = _needs_login(sso, account, prompts, fresh)
    if bad_param:
        return _error_response(
            InvalidRequestError(
                f"Invalid '{bad_param}'.",
                redirect_uri=redirect_uri,
                state=request.values.get("state"),
            )
        )
    if needs_login:
        if "none" in prompts:
            return _error_response(
                LoginRequiredError(redirect_uri=redirect_uri, state=request.values.get("state"))
            )
        cid = _pending(grant, _authz_query())
        view = "login.extranet" if request.values.get("login_type") == "extranet" else "login.sol"
        return redirect(url_for(view, challenge=cid))

    client = grant.client
    refusal = _refusal(client, account)
    if refusal is not None:
        return _denied(refusal, redirect_uri, state)
    if not client.first_party and not consents.covers(
        account.key, client.client_id, grant.request.scope
    ):
        if "none" in prompts:
            return _error_response(
                ConsentRequiredError(redirect_uri=redirect_uri, state=request.values.get("state"))
            )
        cid = _pending(grant, _authz_query())
        return redirect(url_for("login.consent", challenge=cid))

    sessions.add_client(store, sso, client.client_id, current_app.config["SESSION_TTL"])
    response = server.create_authorization_response(grant=grant, grant_user=LoginUser(account, sso))
    db.session.commit()
    return response


def _unsupported_request_object():
    """OIDC Core §6.1/§6.2: discovery says request objects are not supported, so a request
    carrying one is refused, never served as if the parameter were absent."""
    if "request" in request.values:
        return RequestNotSupportedError
    if "request_uri" in request.values:
        return RequestURINotSupportedError
    return None


def _denied(description: str, redirect_uri: str, state: str | None):
    """access_denied at the client's (validated) redirect URI, explained in Spanish."""
    return _error_response(
        AccessDeniedError(description=description, redirect_uri=redirect_uri, state=state)
    )


def _refusal(client, account) -> str | None:
    """Why this account may not log into this client, or None. Inactive accounts only for
    clients that asked for them (domain.md §9, Q1); the VUCE components also require the
    ADUANAS.VUCE profile of secondary users (Q5)."""
    if not account.is_active and not client.accepts_inactive_accounts:
        metrics.count_login("inactive")
        return messages.OAUTH_ACCESS_DENIED_INACTIVE
    required = client.required_profile
    if required and not profile_rules.has_vuce_access(
        account.user_type, snapshots.identity(account).profiles, required
    ):
        return messages.OAUTH_ACCESS_DENIED_PROFILE.format(profile=required)
    return None


def _public_json(path: str):
    """Answered from bytes; a matching If-None-Match gets a 304. Plain GETs never get here
    (public_docs.PublicDocuments answers them before Flask); these views answer the rest."""
    body, etag = public_docs.document(current_app, path)
    if request.if_none_match.contains_weak(etag):  # RFC 9110 §13.1.2: weak comparison
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = public_docs.CACHE_CONTROL
    return response


@bp.get(public_docs.DISCOVERY_PATH)
def openid_configuration():
    return _public_json(public_docs.DISCOVERY_PATH)


@bp.get(public_docs.JWKS_PATH)
def jwks():
    return _public_json(public_docs.JWKS_PATH)


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self):
        return _verification_keys()

    def get_algorithms(self):
        return ["RS256", "ES256"]

    def end_session(self, end_session_request):
        sid = session.get("sid")
        if sid:
            logout.end_session(_server(), sid)
        session.clear()


_end_session = EndSession()


@bp.route("/logout", methods=["GET", "POST"])
@limiter.exempt
@csrf.exempt
def end_session():
    """RP-initiated logout: confirm unless a valid id_token_hint names this session."""
    server = _server()
    _end_session.server = server
    try:
        req = _end_session.validate_request(server.create_oauth2_request(None))
    except OAuth2Error as err:
        return _error_page(err)
    sso, account = current_sso()
    expected = session.pop("logout_confirm", None)
    confirmed = (
        request.method == "POST"
        and expected is not None
        and hmac.compare_digest(expected, request.form.get("confirm", ""))
    )
    hint_matches = (
        req.id_token_claims is not None
        and account is not None
        and req.id_token_claims.get("sub") == server.subject(account)
    )
    if sso is not None and not hint_matches and not confirmed:
        # rpinitiated §6: without a matching id_token_hint, ask the user first.
        session["logout_confirm"] = secrets.token_urlsafe(16)
        return render_template(
            "idp/logout_confirm.html", params=_authz_query(), confirm=session["logout_confirm"]
        )
    if sso is not None:
        _end_session.end_session(req)
    else:
        session.clear()
    if req.redirect_uri:
        return redirect(req.redirect_uri)
    return render_template("idp/logged_out.html")
