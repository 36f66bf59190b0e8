"""Errors never leak a stack trace: Spanish pages for people, JSON under /api; and the page of
a login the entry checks refused (§6.3)."""

from flask import g, render_template, request

from webcommon import errors as common

from ..storage import db


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, code: str | None = None):
    """A JSON error under /api, else the VUCE error page."""
    if status >= 500:
        # The page header shows the account; on a 5xx the database may be what failed (and a
        # rollback expired the loaded row): never query it again while rendering the error.
        g.vuce_account = None
    return common.render(status, message, code, template="vuce/error.html", as_json=wants_json())


def denied_page(decision):
    """The entry checks said no (§6.3): the message, its motivo and solución; no session."""
    return render_template("vuce/denied.html", decision=decision), 403


def register(app) -> None:
    common.register(app, error_response, db)
