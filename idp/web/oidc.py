"""OIDC endpoints: authorize, token, userinfo, introspection, revocation, logout, discovery."""

import hmac
import json
import secrets
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from webcommon.db import commit_if_begun

from ..oidc import authorize as authorization
from ..oidc.server import LoginUser, nonce_key, prefetched_nonce
from ..services import sessions, snapshots
from ..storage.db import db
from . import login_form, public_docs
from .limits import limiter
from .security import csrf

bp = Blueprint("oidc", __name__)
AUTHORIZE_PATH = "/authorize"


def _server():
    return current_app.extensions["sol_server"]


def _store():
    return current_app.extensions["sol_store"]


def current_sso(nonce_mark: str | None = None):
    """The SSO session named by the cookie and its account, or (None, None). ``nonce_mark``:
    the store key of the authorization request's nonce mark, read in the same round trip
    when there is a session (the request's nonce check needs it next)."""
    also = (nonce_mark,) if nonce_mark else ()
    sso, version, extra = sessions.get_with_version(_store(), session.get("sid"), *also)
    if extra and sso is not None:
        prefetched_nonce(nonce_mark, extra[0])
    account = snapshots.account(sso.account, version) if sso else None
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


def _authz_query(http_request) -> list[tuple[str, str]]:
    return list(http_request.values.items(multi=True))


def _pending(grant, http_request, *, fresh_sid: str | None = None) -> tuple[str, dict]:
    """Keep the authorization request while the user logs in or consents. ``fresh_sid``: the
    session a login for this very request opened, so that the consent given right after it
    still counts as that login (prompt=login, max_age=0)."""
    cid = secrets.token_urlsafe(18)
    params = http_request.values
    data = {
        "query": urlencode(_authz_query(http_request)),
        "client_id": grant.client.client_id,
        "client_name": grant.client.name,
        "scope": grant.request.scope,
        "login_type": params.get("login_type", "sol"),
        "login_hint": params.get("login_hint", ""),
        "fresh_sid": fresh_sid,
        # the login POST reads this mark with its lockout counters (web/login.py)
        "nonce_key": nonce_key(params),
    }
    _store().set(f"authz:{cid}", json.dumps(data), ttl=current_app.config["LOGIN_CHALLENGE_TTL"])
    # Kept in the cookie so that an expired login page can still send the user back.
    session["return"] = {"redirect_uri": grant.redirect_uri, "state": params.get("state")}
    return cid, data


def load_pending(cid: str | None) -> dict | None:
    raw = _store().get(f"authz:{cid}") if cid else None
    return json.loads(raw) if raw else None


def _authorize(http_request, sso, account, *, fresh=False, denied=False):
    """Carry out ``oidc.authorize.decide`` for an authorization request: every rule of the
    request is decided there. ``http_request`` is the /authorize request itself, or the one a
    login or consent form resumes (``resume``), which saves the browser a round trip."""
    server, store = _server(), _store()
    user = LoginUser(account, sso) if account else None
    try:
        grant = server.get_consent_grant(request=http_request, end_user=user)
    except OAuth2Error as err:
        return _error_response(err)
    decision = authorization.decide(
        authorization.Request(
            server=server,
            grant=grant,
            params=http_request.values,
            sso=sso,
            account=account,
            fresh=fresh,
            denied=denied,
        )
    )
    if decision.step == authorization.REFUSE:
        return _error_response(decision.error)
    if decision.step == authorization.LOGIN:  # the form right here: no redirect to /login
        cid, pending = _pending(grant, http_request)
        kind = login_form.EXTRANET if decision.login_type == "extranet" else login_form.SOL
        return login_form.show(kind, cid, pending)
    if decision.step == authorization.CONSENT:
        cid, _ = _pending(grant, http_request, fresh_sid=sso.sid if fresh else None)
        return redirect(url_for("login.consent", challenge=cid))
    with store.batch():  # the session, the code and its nonce: one round trip
        sessions.add_client(store, sso, grant.client.client_id, current_app.config["SESSION_TTL"])
        response = server.create_authorization_response(
            request=http_request, grant=grant, grant_user=user
        )
    commit_if_begun(db)  # nothing of an SSO authorization is written to SQL as a rule
    return response


def resume(pending: dict, sso, account, *, fresh: bool, denied: bool = False):
    """Go on with a pending authorization request right after its login or consent form:
    the answer /authorize would give to the same query, without sending the browser there."""
    environ = dict(request.environ)
    environ.update(
        REQUEST_METHOD="GET",
        PATH_INFO=AUTHORIZE_PATH,
        QUERY_STRING=pending["query"],
        CONTENT_LENGTH="0",
    )
    environ.pop("CONTENT_TYPE", None)
    http_request = current_app.request_class(environ)
    return _authorize(http_request, sso, account, fresh=fresh, denied=denied)


@bp.route(AUTHORIZE_PATH, methods=["GET", "POST"])
@limiter.exempt
@csrf.exempt  # an authorization request, not a form of ours; state/PKCE protect it
def authorize():
    sso, account = current_sso(nonce_key(request.values))
    return _authorize(request, sso, account)


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


@bp.route("/logout", methods=["GET", "POST"])
@limiter.exempt
@csrf.exempt
def end_session():
    """RP-initiated logout: confirm unless a valid id_token_hint names this session."""
    server = _server()
    try:
        req = server.validate_endpoint_request("end_session")
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
            "idp/logout_confirm.html",
            params=_authz_query(request),
            confirm=session["logout_confirm"],
        )
    # the SSO session ends (oidc.logout.EndSession); then post_logout_redirect_uri, if valid
    response = server.create_endpoint_response("end_session", req)
    return response or render_template("idp/logged_out.html")
