"""Security headers, a NUL-byte guard, the local-redirect rule and the bearer-token check."""

import hmac
from urllib.parse import urlsplit

from flask import abort, request


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a local path (no scheme, host, //, backslash), else ``default``."""
    if not target or not isinstance(target, str):
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, or None (RFC 6750
    §2.1; the scheme is matched case-insensitively, RFC 9110 §11.1)."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def token_matches(given: str | None, expected: str | None) -> bool:
    """A constant-time comparison; an unset expected token lets nobody in."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), str(expected).encode())


def require_bearer(expected: str | None, environ=None) -> bool:
    """Whether the request carries ``Authorization: Bearer <expected>``: Flask's request, or
    the WSGI ``environ`` given (the answers made below Flask). Every admin and metrics token
    of both apps is checked here, with one parsing of the header."""
    environ = request.environ if environ is None else environ
    return token_matches(bearer_token(environ.get("HTTP_AUTHORIZATION")), expected)


def _has_nul(values) -> bool:
    return any("\x00" in v for v in values)


def json_has_nul(document) -> bool:
    """Whether any string of a parsed JSON document (keys included) holds a NUL byte."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _may_hold_nul(raw: bytes) -> bool:
    # A decoded NUL can only come from a raw NUL or its percent-encoding ("%2500" is "%00"
    # the text, not a NUL); JSON can only spell it \u0000. Scanning the bytes is much cheaper
    # than decoding every field of every token request.
    return b"\x00" in raw or b"%00" in raw or b"\\u0000" in raw


def request_has_nul(request=request) -> bool:
    """A NUL byte anywhere a text field can come from: the query, a form (urlencoded or
    multipart), or a JSON body. SQLite would store it and PostgreSQL refuse it (a 500), so every
    app refuses it up front with the same 400 whatever the database. ``request``: Flask's, or
    a werkzeug request served below Flask."""
    if _may_hold_nul(request.query_string) and (
        _has_nul(request.args.keys()) or _has_nul(request.args.values())
    ):
        return True
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        if not _may_hold_nul(request.get_data(cache=True)):  # the form parses the cached body
            return False
        return _has_nul(request.form.keys()) or _has_nul(request.form.values())
    if mimetype == "multipart/form-data":
        return _has_nul(request.form.keys()) or _has_nul(request.form.values())
    if request.is_json:
        return _may_hold_nul(request.get_data(cache=True)) and json_has_nul(
            request.get_json(silent=True)
        )
    return False


def base_headers(csp: str, production: bool) -> tuple[tuple[str, str], ...]:
    """The headers every response carries (the after-request hook and the IdP's
    public-document shortcut both add exactly these)."""
    headers = [
        ("Content-Security-Policy", csp),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]
    if production:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return tuple(headers)


def install(app, csp: str, *, no_store_types=("text/html",)) -> None:
    """Refuse NUL bytes in parameters and add the security headers to every response."""

    @app.before_request
    def reject_nul_bytes():
        # No field of ours may hold NUL; PostgreSQL refuses it in text, which would be a 500.
        if request_has_nul():
            abort(400)

    every_response = base_headers(csp, app.config.get("ENV") == "production")

    @app.after_request
    def headers(response):
        # One pass over the response's headers instead of one search per header added:
        # this hook runs on every token, userinfo and introspection answer.
        present = {name.lower() for name, _ in response.headers}
        extra = [(n, v) for n, v in every_response if n.lower() not in present]
        if "cache-control" not in present and response.mimetype in no_store_types:
            extra.append(("Cache-Control", "no-store"))
        response.headers.extend(extra)
        return response
