"""Flask-Limiter on the shared store (memory:// embedded, Redis otherwise)."""

from functools import partial

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])
_DECORATED = "__wrapper-limiter-instance"  # Flask-Limiter marks the views it wraps with this


def init_limiter(app) -> None:
    """Rate limits live where the other short-lived state lives (after the blueprints are
    registered: the limiter's hooks are scoped to the blueprints of the limited views).
    Its RATELIMIT_* keys come with the settings (``webcommon.settings.limiter_keys``)."""
    for key in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META"):
        if app.config.get(key):
            raise RuntimeError(f"{key} is not supported: limit views with @limiter.limit")
    limiter.init_app(app)
    _scope_hooks_to_limited_blueprints(app)


def _is_limiter_hook(fn) -> bool:
    if isinstance(fn, partial):  # after_request: partial(Limiter.__inject_headers, limiter)
        return limiter in fn.args
    return getattr(fn, "__self__", None) is limiter


def _scope_hooks_to_limited_blueprints(app: Flask) -> None:
    """Run the limiter's request hooks only where they do something.

    Flask-Limiter registers three app-wide hooks (check, headers, release), so every token,
    userinfo and introspection request paid for a limiter it never uses (~9 % of a userinfo
    request in-process). Only decorated views are limited here (init_limiter refuses
    default, application and meta limits), and a decorated view checks its own limits when
    it is called; the before-request check adds only those refused kinds, so here it decided
    nothing and cost each login page ~0.1 ms twice over: it is dropped. The other two hooks
    move to the limited views' blueprints, which Flask runs for their requests only. Call
    after the blueprints are registered.
    """
    blueprints = {
        endpoint.rpartition(".")[0]
        for endpoint, view in app.view_functions.items()
        if getattr(view, _DECORATED, None) == limiter  # a weakref proxy: compare, not `is`
    }
    moved = 0
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        mine = [fn for fn in hooks.get(None, []) if _is_limiter_hook(fn)]
        hooks[None] = [fn for fn in hooks.get(None, []) if not _is_limiter_hook(fn)]
        moved += len(mine)
        if hooks is app.before_request_funcs:
            continue
        for name in blueprints:
            hooks.setdefault(name, []).extend(mine)
    if moved != 3 or "" in blueprints:
        raise RuntimeError(
            "Flask-Limiter's request hooks are not the three this app knows how to scope "
            f"(found {moved}); review idp/web/limits.py after upgrading Flask-Limiter"
        )
    if not blueprints:
        # Without this the hooks would be moved nowhere and no view limited, silently.
        raise RuntimeError(
            f"no view carries Flask-Limiter's {_DECORATED!r} mark; review idp/web/limits.py "
            "after upgrading Flask-Limiter"
        )
