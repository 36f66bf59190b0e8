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


def render(status: int, message: str | None, code: str | None, *, template: str, as_json: bool):
    """One error as JSON or as the app's Spanish error page."""
    message = message or MESSAGES.get(status, MESSAGES[500])
    code = code or CODES.get(status, "error")
    if as_json:
        return jsonify(error=code, message=message), status
    return render_template(template, error=code, description=message), status


def register(app, error_response, db, on_unexpected=None) -> None:
    """Install the handlers; ``on_unexpected(exc)`` may answer an app-specific case."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, CSRF_MESSAGE, "csrf_failed")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return error_response(exc.code or 500)

    @app.errorhandler(StoreUnavailable)
    def store_down(exc):
        log.error("store unavailable: %s", exc)
        return error_response(503)

    @app.errorhandler(Exception)
    def unexpected(exc):
        discard_session(db)
        if isinstance(exc, OperationalError):
            log.error("database unavailable: %s", exc)
            return error_response(503)
        answer = on_unexpected(exc) if on_unexpected else None
        if answer is not None:
            return answer
        log.exception("unexpected error")
        return error_response(500)
