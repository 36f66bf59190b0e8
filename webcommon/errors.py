"""Errors never leak a stack trace: Spanish pages for people, JSON ``{"error", "message"}``
for programs; a store or database outage is a 503."""

import logging

from flask import jsonify, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from kvstore import StoreUnavailable

from .db import discard_session

log = logging.getLogger("webcommon.errors")

MESSAGES = {
    400: "La solicitud no es válida.",
    401: "Se requiere autenticación.",
    403: "No tiene permiso para realizar esta acción.",
    404: "La página solicitada no existe.",
    405: "Método no permitido.",
    413: "La solicitud es demasiado grande.",
    422: "Los datos enviados no son válidos.",
    429: "Demasiados intentos. Espere un momento e inténtelo nuevamente.",
    500: "Ocurrió un error inesperado. Inténtelo nuevamente.",
    503: "El servicio no está disponible temporalmente. Inténtelo en unos minutos.",
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "unprocessable",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}
CSRF_MESSAGE = (
    "La sesión del formulario expiró o no es válida. "
    "Vuelva a cargar la página e inténtelo nuevamente."
)


def retry_after(exc) -> dict:
    """The ``Retry-After`` of a Flask-Limiter 429: the limit's window, the longest one may
    have to wait (the limiter's own headers are off, see ``settings.limiter_keys``)."""
    return {"Retry-After": str(exc.limit.limit.get_expiry())}


def describe(status: int, message: str | None = None, code: str | None = None) -> tuple[str, str]:
    """(code, Spanish message) of an error answer: the given ones, or the status's own."""
    return code or CODES.get(status, "error"), message or MESSAGES.get(status, MESSAGES[500])


def status_of(exc: Exception, db) -> int:
    """The status an exception escaping a view gets (and its log line): a store or database
    outage is a 503, anything else a 500. A failed session is discarded either way."""
    if isinstance(exc, HTTPException):
        return exc.code or 500
    if isinstance(exc, StoreUnavailable):
        log.error("store unavailable: %s", exc)
        return 503
    discard_session(db)
    if isinstance(exc, OperationalError):
        log.error("database unavailable: %s", exc)
        return 503
    log.exception("unexpected error", exc_info=exc)
    return 500


def render(status: int, message: str | None, code: str | None, *, template: str, as_json: bool):
    """One error as JSON or as the app's Spanish error page."""
    code, message = describe(status, message, code)
    if as_json:
        return jsonify(error=code, message=message), status
    return render_template(template, error=code, description=message), status


def register(app, error_response, db, on_unexpected=None) -> None:
    """Install the handlers; ``on_unexpected(exc)`` may answer an app-specific case."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, CSRF_MESSAGE, "csrf_failed")

    @app.errorhandler(HTTPException)
    @app.errorhandler(StoreUnavailable)
    def known(exc):
        return error_response(status_of(exc, db))

    @app.errorhandler(Exception)
    def unexpected(exc):
        answer = on_unexpected(exc) if on_unexpected else None
        if answer is not None:
            discard_session(db)
            return answer
        return error_response(status_of(exc, db))
