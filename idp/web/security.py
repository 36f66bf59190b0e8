"""CSRF protection and security headers on every response."""

from flask import request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from webcommon import security

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self' http: https:; "
    "base-uri 'none'; object-src 'none'"
)


# Back-channel endpoints and public documents: they authenticate by client secret or bearer
# token (or not at all), never by the browser session, so its cookie is not even verified.
MACHINE_PATHS = frozenset(
    {"/token", "/userinfo", "/introspect", "/revoke", "/jwks", "/.well-known/openid-configuration"}
)


_SERIALIZER = "sol_session_serializer"  # app.extensions key of the cached one


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, not opened on MACHINE_PATHS (a read-only null session
    there: writing to it raises, nothing is saved)."""

    def open_session(self, app, request):
        if request.path in MACHINE_PATHS:
            return None  # Flask substitutes make_null_session()
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        # Flask builds a new serializer for every open and save (twice a login form POST);
        # it only depends on the keys, so it is made again only when they change.
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get(_SERIALIZER)
        if cached is None or cached[0] != keys:
            cached = app.extensions[_SERIALIZER] = (keys, super().get_signing_serializer(app))
        return cached[1]


RECAPTCHA_CSP = CSP.replace(
    "script-src 'self';",
    "script-src 'self' https://www.google.com/recaptcha/ https://www.gstatic.com/recaptcha/; "
    "frame-src https://www.google.com/recaptcha/ https://recaptcha.google.com/recaptcha/;",
)


def register(app) -> None:
    security.install(app, CSP)
    app.session_interface = SessionInterface()
    captcha = app.extensions.get("sol_captcha")
    if captcha is not None and captcha.backend == "recaptcha":
        # Google's widget needs its script and frame; only on the login forms.
        @app.after_request
        def _recaptcha_csp(response):
            if request.path.startswith("/login"):
                response.headers["Content-Security-Policy"] = RECAPTCHA_CSP
            return response
