"""Errors never leak a stack trace: Spanish pages for people, JSON for the API."""

import logging

from flask import request

from webcommon import errors as common

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
    return (
        request.path.startswith("/api/")
        or request.path in MACHINE_PATHS
        or (
            request.accept_mimetypes.best_match(["application/json", "text/html"])
            == "application/json"
        )
    )


def error_response(status: int, message: str | None = None, code: str | None = None):
    return common.render(status, message, code, template="idp/error.html", as_json=wants_json())


def _malformed_oauth(exc):
    if isinstance(exc, ValueError) and "forbidden characters" in str(exc):
        # Authlib refuses to build an OAuth error whose description would echo what
        # RFC 6749 forbids there (quotes, backslash, controls, non-ASCII) taken from the
        # request: the request was malformed, never redirect with it.
        log.info("malformed OAuth request: %s", exc)
        return error_response(400, code="invalid_request")
    return None


def register(app) -> None:
    common.register(app, error_response, db, on_unexpected=_malformed_oauth)
