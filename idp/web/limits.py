"""Flask-Limiter on the shared store (memory:// embedded, Redis otherwise)."""

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])
_DECORATED = "__wrapper-limiter-instance"  # Flask-Limiter marks the views it wraps with this


@limiter.request_filter
def _no_limit_here() -> bool:
    """Skip the limiter's per-request work on views that carry no ``@limiter.limit``.

    Only decorated views are limited here: no default, application or blueprint limits exist
    (init_limiter refuses the settings that would add them), so for any other view the
    check can only find nothing. Decorated views (the login POSTs) are checked as before.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, _DECORATED, None) != limiter  # a weakref proxy: compare, not `is`


def init_limiter(app) -> None:
    """Rate limits live where the other short-lived state lives."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down must not turn every limited request into a 500: count in process memory
    # until Redis answers again, and never let a limiter failure fail the request.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    for key in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META"):
        if app.config.get(key):
            raise RuntimeError(f"{key} is not supported: limit views with @limiter.limit")
    limiter.init_app(app)
