"""The SOL login page ("Ingrese su Clave SOL"), its Extranet variant and the consent page."""

import json
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session

from webcommon import captcha

from .. import metrics
from ..config import lockout_policy
from ..domain import messages
from ..oidc.server import prefetched_nonce
from ..services import consents, login, sessions
from ..storage.db import db
from . import login_form
from .forms import ConsentForm
from .limits import limiter
from .oidc import current_sso, load_pending, resume

bp = Blueprint("login", __name__)


def _login_rate():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _expired():
    """The pending request is gone: offer a clean way back to the client."""
    back = session.pop("return", None)
    return render_template("idp/expired.html", back=back), 400


def _policy():
    """The lockout policy (idp.domain.lockout), the source and the captcha of this request."""
    app = current_app
    policy = app.extensions.get("sol_lockout_policy")
    if policy is None:
        policy = app.extensions["sol_lockout_policy"] = lockout_policy(app.config)
    verifier = app.extensions["sol_captcha"]
    return {
        "policy": policy,
        "source": request.remote_addr or "-",
        "captcha_solved": lambda: (
            verifier.verify(request.form.get(captcha.FIELD), request.remote_addr).ok
        ),
    }


def safe_next(path: object, default: str = "/sol") -> str:
    """A local path of this host, or ``default``: the portal never redirects elsewhere."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return default
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or "\\" in path or any(ord(c) < 32 for c in path):
        return default
    return path


def start_portal_login(next_path: str) -> str:
    """A login challenge for people who come straight to SOL (no authorization request)."""
    cid = secrets.token_urlsafe(18)
    pending = {
        "portal": True,
        "next": safe_next(next_path),
        "query": "",
        "client_id": None,
        "client_name": None,
        "scope": "",
        "login_type": "sol",
        "login_hint": "",
    }
    current_app.extensions["sol_store"].set(
        f"authz:{cid}", json.dumps(pending), ttl=current_app.config["LOGIN_CHALLENGE_TTL"]
    )
    return cid


def _start_session(account, pending):
    """Open a new SSO session; the cookie is rebuilt so the session id changes at login."""
    store = current_app.extensions["sol_store"]
    cfg = current_app.config
    keep = session.get("return")
    session.clear()
    with store.batch():  # the new session with the code issued from it: one round trip
        s = sessions.create(store, account.key, cfg["SESSION_TTL"])
        session["sid"] = s.sid
        if keep:
            session["return"] = keep
        if pending.get("portal"):
            store.delete(f"authz:{request.values.get('challenge')}")
            return redirect(safe_next(pending.get("next")))
        return resume(pending, s, account, fresh=True)


# the service's outcomes as the metric names them (the "bad clave")
LOGIN_OUTCOMES = {
    login.OK: "ok",
    login.BAD_CREDENTIALS: "bad_clave",
    login.LOCKED: "locked",
    login.CAPTCHA_REQUIRED: "captcha_required",
}


def _login_page(kind, attempt, failed=messages.LOGIN_FAILED):
    cid = request.values.get("challenge")
    pending = load_pending(cid)
    if pending is None:
        return _expired()
    if request.method == "GET":
        return login_form.show(kind, cid, pending)
    form = login_form.empty(kind)
    error = failed
    ask_captcha = False
    if form.validate_on_submit():
        # the nonce mark that resuming the authorization request checks, read with the
        # lockout counters: one round trip less per login (a check before the mark is set,
        # as ever: not atomic with it)
        nonce = pending.get("nonce_key")
        also = (nonce,) if nonce else ()
        result = attempt(form, also)
        metrics.count_login(LOGIN_OUTCOMES.get(result.outcome, str(result.outcome)))
        if result.outcome == login.OK:
            if nonce:
                prefetched_nonce(nonce, result.also[0])
            if result.rehashed:
                db.session.commit()
            return _start_session(result.account, pending)
        ask_captcha = result.captcha
        if result.outcome == login.LOCKED:
            error = messages.LOGIN_LOCKED.format(minutes=_policy()["policy"].lock_minutes)
        elif result.outcome == login.CAPTCHA_REQUIRED:
            error = messages.LOGIN_CAPTCHA_REQUIRED
    return login_form.page(
        kind, login_form.typed(form), cid, pending, error=error, ask_captcha=ask_captcha
    )


# GET and POST are separate views so that only the POST pays for the rate limiter: a limited
# view evaluates its limits on every call, whatever methods the limit names. url_for names
# the POST endpoints ("login.sol", "login.extranet"); both build the same path.


def _sol():
    store = current_app.extensions["sol_store"]
    return _login_page(
        login_form.SOL,
        lambda f, also: login.attempt_sol(
            store, f.ruc.data, f.usuario.data, f.clave.data, also=also, **_policy()
        ),
    )


def _extranet():
    store = current_app.extensions["sol_store"]
    return _login_page(
        login_form.EXTRANET,
        lambda f, also: login.attempt_extranet(
            store, f.usuario.data, f.clave.data, also=also, **_policy()
        ),
        messages.EXTRANET_LOGIN_FAILED,
    )


@bp.get("/login")
def sol_page():
    """Ingrese su Clave SOL: RUC, usuario y clave."""
    return _sol()


@bp.post("/login")
@limiter.limit(_login_rate)
def sol():
    return _sol()


@bp.get("/login/extranet")
def extranet_page():
    """Extranet: usuario EXT… y clave."""
    return _extranet()


@bp.post("/login/extranet")
@limiter.limit(_login_rate)
def extranet():
    return _extranet()


@bp.route("/consent", methods=["GET", "POST"])
def consent():
    """Third-party clients ask the user before receiving the requested scopes."""
    cid = request.values.get("challenge")
    pending = load_pending(cid)
    sso, account = current_sso()
    if pending is None or account is None or pending.get("portal"):
        return _expired()
    form = ConsentForm()
    if form.validate_on_submit():
        current_app.extensions["sol_store"].delete(f"authz:{cid}")
        allowed = request.form.get("decision") == "allow"
        if allowed:
            consents.grant(account.key, pending["client_id"], pending["scope"])
            db.session.commit()
        fresh = pending.get("fresh_sid") == sso.sid  # consent right after its own login
        return resume(pending, sso, account, fresh=fresh, denied=not allowed)
    form.challenge.data = cid
    return render_template(
        "idp/consent.html", form=form, pending=pending, scopes=(pending["scope"] or "").split()
    )
