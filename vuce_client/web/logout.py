"""Logout of one component: VUCE's own, SOL's (RP-Initiated Logout 1.0) and SOL's call when the
person logs out there (Back-Channel Logout 1.0).

- ``POST <prefix>/logout``: ends the VUCE session, then sends the browser to the IdP's
  end-session endpoint with the ID token as hint.
- ``GET <prefix>/logged-out``: where the IdP sends the browser back (state checked).
- ``POST <prefix>/backchannel-logout``: the IdP's logout token ends every VUCE session of its
  ``sid``/``sub`` (``services.sessions``), in every process.
"""

from __future__ import annotations

import logging

from authlib.integrations.base_client import OAuthError
from flask import current_app, redirect, render_template, request, url_for

from ..core import core
from ..domain.errors import LoginRefused
from ..oidc import validate_logout_token
from ..services import audit, sessions
from ..storage import db
from .security import csrf

log = logging.getLogger("vuce_client.auth")
JTI_TTL = 600  # a logout token is accepted once (§2.6) while it could still be replayed


def add_routes(bp, app, auth) -> None:
    """Mount the logout views of the component ``auth``: two on its blueprint, the back-channel
    receiver on the app (the IdP calls it, not a browser: no CSRF token)."""

    def logout():
        return _logout(auth)

    def logged_out():
        return _logged_out(auth)

    def backchannel():
        return _backchannel(auth)

    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule("/logged-out", "logged_out", logged_out)
    csrf.exempt(backchannel)
    app.add_url_rule(
        f"{auth.url_prefix}/backchannel-logout",
        f"{auth.endpoint_prefix}_backchannel",
        backchannel,
        methods=["POST"],
    )


def _logout(auth):
    rec = sessions.end_current()
    if rec is None:
        return redirect(url_for("vuce_core.login"))
    audit.record("LOGOUT", account_key=rec.get("account_key"), component=auth.component)
    db.session.commit()
    comps = rec.get("components", {})
    entry = comps.get(auth.component) or next(iter(comps.values()), {})
    try:
        return auth.client.logout_redirect(
            post_logout_redirect_uri=auth.post_logout_redirect_uri,
            id_token_hint=entry.get("id_token"),
        )
    except (LoginRefused, RuntimeError) as exc:  # the IdP is down, or has no end-session URL
        log.error("RP-initiated logout not possible: %s", exc)
        return render_template("vuce/logged_out.html")


def _logged_out(auth):
    try:
        auth.client.validate_logout_response()
    except OAuthError:
        pass  # the VUCE session already ended; a missing state only skips nothing
    return render_template("vuce/logged_out.html")


def _backchannel(auth):
    """Back-Channel Logout 1.0 §2.5-2.8: end every VUCE session of that sid/sub."""
    token = request.form.get("logout_token")
    if not token:
        return {"error": "invalid_request"}, 400
    try:
        claims = validate_logout_token(
            core().meta,
            token,
            client_id=auth.client_id,
            leeway=current_app.config["CLOCK_LEEWAY"],
        )
    except LoginRefused as exc:  # a token that fails §2.6, or an IdP we cannot reach
        log.warning("logout token refused: %s", exc)
        return {"error": "invalid_request"}, 400
    store = core().store
    # §2.6 (replay): a jti is accepted once
    if not store.add(f"vuce:bcl:jti:{claims['jti']}", "1", ttl=JTI_TTL):
        return {"error": "invalid_request", "error_description": "replayed"}, 400
    ended = sessions.end_by(store, sid=claims.get("sid"), sub=claims.get("sub"))
    audit.record("BACKCHANNEL_LOGOUT", component=auth.component, sid=claims.get("sid"), ended=ended)
    db.session.commit()
    return "", 200, {"Cache-Control": "no-store"}
