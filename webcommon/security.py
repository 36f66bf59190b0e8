"""Security headers, a NUL-byte guard and the local-redirect rule."""

from urllib.parse import urlsplit

from flask import abort, current_app, request


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a local path (no scheme, host, //, backslash), else ``default``."""
    if not target or not isinstance(target, str):
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return default
    return target


def _has_nul(values) -> bool:
    return any("\x00" in v for v in values)


def install(app, csp: str, *, no_store_types=("text/html",)) -> None:
    """Refuse NUL bytes in parameters and add the security headers to every response."""

    @app.before_request
    def reject_nul_bytes():
        # No field of ours may hold NUL; PostgreSQL refuses it in text, which would be a 500.
        if _has_nul(request.args.values()) or (
                request.mimetype == "application/x-www-form-urlencoded"
                and _has_nul(request.form.values())):
            abort(400)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if current_app.config.get("ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if response.mimetype in no_store_types:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
