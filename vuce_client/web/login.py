"""The SOL login of one component (OIDC Core §3.1, code flow with PKCE and a nonce).

- ``GET <prefix>/login``: to the IdP's authorize endpoint (``?tipo=extranet`` adds
  ``login_type=extranet``).
- ``GET <prefix>/callback``: the state, the code exchange, the ID token (``oidc``), the userinfo
  contact data and the identity (``domain.identity``); then admission (``services.entry``),
  whose decision this view renders: the denial page, the registration wizard or the page the
  user asked for. A refusal before admission shows the page of its ``LoginRefused`` class,
  creates no session and is audited (``LOGIN_REFUSED``).
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import OAuthError
from flask import current_app, redirect, render_template, request, session, url_for

from ..core import core
from ..domain import errors
from ..domain.identity import identity_from_claims
from ..oidc import checked_userinfo, validate_id_token
from ..services import audit, entry
from ..storage import db
from .errors import denied_page
from .security import safe_next

log = logging.getLogger("vuce_client.auth")

# OIDC Core 5.1 contact claims VUCE takes from userinfo; everything else from the ID token
CONTACT_CLAIMS = ("name", "email", "email_verified")


def add_routes(bp, auth) -> None:
    """Mount ``/login`` and ``/callback`` of the component ``auth`` on its blueprint."""

    def login():
        return _login(auth)

    def callback():
        return _callback(auth)

    bp.add_url_rule("/login", "login", login)
    bp.add_url_rule("/callback", "callback", callback)


def _login(auth):
    nxt = safe_next(request.args.get("next"), auth.home_url())
    if auth.is_logged_in():
        return redirect(nxt)
    extra = {}
    if request.args.get("tipo") == "extranet":
        extra["login_type"] = "extranet"
    session["vuce_next"] = nxt
    try:
        return auth.client.authorize_redirect(auth.redirect_uri, **extra)
    except errors.LoginRefused as exc:  # discovery: the IdP is down or answers nonsense
        log.error("IdP discovery failed: %s", exc)
        unavailable = errors.IdpUnavailable()
        return _page(unavailable), unavailable.status


def _page(exc: errors.LoginRefused):
    if isinstance(exc, errors.AccessDenied):
        return render_template("vuce/profile_missing.html")
    return render_template("vuce/error.html", error=exc.code, description=exc.message)


def _refuse(auth, exc: errors.LoginRefused):
    audit.record(
        "LOGIN_REFUSED", component=auth.component, reason=exc.code, detail=exc.detail[:300]
    )
    db.session.commit()
    log.warning("callback refused (%s): %s", exc.code, exc.detail)
    return _page(exc), exc.status


def _callback(auth):
    try:
        state_data = _state_data(auth)
        token = _exchange(auth, state_data)
        claims, identity = _identity(auth, token, state_data)
    except errors.LoginRefused as exc:
        return _refuse(auth, exc)
    via = entry.SolLogin(
        component=auth.component,
        claims=claims,
        id_token=token.get("id_token"),
        next_url=safe_next(session.pop("vuce_next", None), auth.home_url()),
    )
    decision = entry.admit(identity, via=via)
    if not decision.allowed:
        return denied_page(decision)
    if decision.opens_session:
        return redirect(via.next_url)
    return redirect(url_for("vuce_core.register"))  # the session opens when it is done (§6.4)


def _state_data(auth) -> dict:
    """The state this browser's login stored (used once), after the IdP's own answer."""
    state = request.args.get("state")
    framework = auth.client.framework
    state_data = framework.get_state_data(session, state) if state else None
    if state:
        framework.clear_state_data(session, state)
    if not state_data:
        raise errors.BadState("state missing, unknown or already used")
    err = request.args.get("error")
    if err == "access_denied":
        raise errors.AccessDenied(err)
    if err:
        raise errors.IdpError(err)
    if not request.args.get("code"):
        raise errors.MissingCode()
    return state_data


def _exchange(auth, state_data: dict) -> dict:
    """The token response of the code (RFC 6749 §4.1.3, PKCE's verifier)."""
    params = {
        "code": request.args["code"],
        "state": request.args.get("state"),
        "code_verifier": state_data.get("code_verifier"),
        "redirect_uri": state_data.get("redirect_uri"),
    }
    try:
        token = auth.client.fetch_access_token(**params)
    except OAuthError as exc:  # replayed or forged code: invalid_grant
        raise errors.TokenExchangeFailed(f"{exc.error}: {exc.description}") from None
    except (requests.RequestException, ValueError) as exc:
        # timeout, refused, a 5xx (Authlib raises HTTPError for those), a body not JSON;
        # anything else is our bug and goes to the 500 handler with its traceback.
        raise errors.IdpUnavailable(f"{type(exc).__name__}: {exc}") from None
    if "id_token" not in token:
        raise errors.MissingIdToken()
    return token


def _identity(auth, token: dict, state_data: dict):
    """(verified ID token claims, identity): the signed ID token decides access; userinfo (same
    ``sub``, Core §5.3.2) adds only contact data."""
    claims = validate_id_token(
        core().meta,
        token["id_token"],
        client_id=auth.client_id,
        nonce=state_data.get("nonce", ""),
        access_token=token.get("access_token"),
        leeway=current_app.config["CLOCK_LEEWAY"],
    )
    info = checked_userinfo(auth.client, token, claims)
    contact = {k: info[k] for k in CONTACT_CLAIMS if k in info}
    return claims, identity_from_claims({**claims, **contact})
