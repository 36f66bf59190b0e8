"""CSRF protection, security headers and the local-redirect rule."""

from flask_wtf.csrf import CSRFProtect

from webcommon import security
from webcommon.security import safe_next

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self' http: https:; base-uri 'none'; "
    "object-src 'none'"
)

__all__ = ["CSP", "csrf", "register", "safe_next"]


def register(app) -> None:
    """Security headers on every response."""
    security.install(app, CSP, no_store_types=("text/html", "application/json"))
