"""The SOL and Extranet login forms as pages, for one pending authorization request.

/authorize shows the form itself when a login is needed, as Keycloak does, instead of
redirecting the browser to /login first (one round trip less per login); the login views
show it again after a failed attempt, and when someone opens /login?challenge=… directly.
"""

from flask import current_app, render_template

from ..domain import messages
from .forms import ExtranetLoginForm, SolLoginForm

SOL, EXTRANET = "sol", "extranet"
_FORMS = {SOL: SolLoginForm, EXTRANET: ExtranetLoginForm}
_TEMPLATES = {SOL: "idp/login.html", EXTRANET: "idp/login_extranet.html"}


def empty(kind: str):
    """The form of this kind, bound to the request (a POST fills it)."""
    return _FORMS[kind]()


def prefilled(kind: str, cid: str, pending: dict):
    """A fresh form carrying the challenge and the client's login_hint."""
    form = empty(kind)
    form.challenge.data = cid
    hint = pending.get("login_hint") or ""
    if kind == SOL and len(hint) == 19:  # SUNAT's username = RUC + usuario
        form.ruc.data, form.usuario.data = hint[:11], hint[11:]
    elif hint:
        form.usuario.data = hint
    return form


def page(kind: str, form, cid: str, pending: dict, *, error=None, ask_captcha=False):
    """The page, 200 or (with an error) 401."""
    captcha = current_app.extensions["sol_captcha"].widget() if ask_captcha else None
    body = render_template(
        _TEMPLATES[kind],
        form=form,
        error=error,
        pending=pending,
        challenge=cid,
        captcha=captcha,
        captcha_label=messages.LOGIN_CAPTCHA_LABEL,
    )
    return body, 200 if error is None else 401


def show(kind: str, cid: str, pending: dict):
    """The form as a person first sees it."""
    return page(kind, prefilled(kind, cid, pending), cid, pending)
