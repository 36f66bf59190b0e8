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


def prefilled(kind: str, pending: dict) -> dict:
    """What a fresh page shows in its fields: the client's login_hint. No form is built to
    show it: the page only draws values, and the POST builds the form that checks them."""
    hint = pending.get("login_hint") or ""
    if kind == SOL and len(hint) == 19:  # SUNAT's username = RUC + usuario
        return {"ruc": hint[:11], "usuario": hint[11:]}
    return {"usuario": hint} if hint else {}


def typed(form) -> dict:
    """What a refused POST shows again: the fields as typed, never the clave."""
    return {name: form[name].data for name in ("ruc", "usuario") if name in form}


def page(kind: str, values: dict, cid: str, pending: dict, *, error=None, ask_captcha=False):
    """The page, 200 or (with an error) 401; ``values``: the ruc and usuario it shows."""
    captcha = current_app.extensions["sol_captcha"].widget() if ask_captcha else None
    body = render_template(
        _TEMPLATES[kind],
        values=values,
        error=error,
        pending=pending,
        challenge=cid,
        captcha=captcha,
        captcha_label=messages.LOGIN_CAPTCHA_LABEL,
    )
    return body, 200 if error is None else 401


def show(kind: str, cid: str, pending: dict):
    """The form as a person first sees it."""
    return page(kind, prefilled(kind, pending), cid, pending)
