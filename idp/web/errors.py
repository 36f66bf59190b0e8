"""Errors never leak a stack trace: Spanish pages for people, JSON for the API."""

import logging

from flask import render_template, request
from flask_limiter import RateLimitExceeded

from webcommon import errors as common

from .. import metrics
from ..domain import messages
from ..storage.db import db

log = logging.getLogger("idp.errors")

# Endpoints called by programs (RFC 6749/7009/7662, OIDC): JSON errors whatever Accept says.
MACHINE_PATHS = frozenset(
    {
        "/token",
        "/userinfo",
        "/introspect",
        "/revoke",
        "/jwks",
        "/.well-known/openid-configuration",
        "/healthz",
        "/readyz",
    }
)


def wants_json() -> bool:
    """The API and the protocol endpoints always; a page only when the client prefers JSON
    (``Accept: */*`` or none gets the page: a person's browser, or a form posted by a script)."""
    return (
        request.path.startswith("/api/")
        or request.path in MACHINE_PATHS
        or (
            request.accept_mimetypes.best_match(["text/html", "application/json"])
            == "application/json"
        )
    )


def error_response(status: int, message: str | None = None, code: str | None = None):
    return common.render(status, message, code, template="idp/error.html", as_json=wants_json())


def malformed_oauth(exc) -> bool:
    """Authlib refuses to build an OAuth error whose description would echo what RFC 6749
    forbids there (quotes, backslash, controls, non-ASCII) taken from the request: the
    request was malformed (a 400 invalid_request), never redirect with it."""
    if isinstance(exc, ValueError) and "forbidden characters" in str(exc):
        log.info("malformed OAuth request: %s", exc)
        return True
    return False


def _malformed_oauth(exc):
    return error_response(400, code="invalid_request") if malformed_oauth(exc) else None


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return "1 segundo" if seconds == 1 else f"{seconds} segundos"
    minutes = -(-seconds // 60)
    return "1 minuto" if minutes == 1 else f"{minutes} minutos"


def rate_limited(exc: RateLimitExceeded):
    """429 from Flask-Limiter (the login forms): SOL's page for a person, JSON for a program."""
    metrics.count_login("rate_limited")
    headers = common.retry_after(exc)
    if wants_json():
        return (*error_response(429), headers)
    seconds = int(headers["Retry-After"])
    page = render_template(
        "idp/rate_limited.html",
        title=messages.LOGIN_RATE_LIMITED_TITLE,
        message=messages.LOGIN_RATE_LIMITED.format(wait=_wait_text(seconds)),
        again=request.full_path if request.method == "GET" else request.path,
        challenge=request.form.get("challenge", ""),
    )
    return page, 429, headers


def register(app) -> None:
    common.register(app, error_response, db, on_unexpected=_malformed_oauth)
    app.register_error_handler(RateLimitExceeded, rate_limited)
