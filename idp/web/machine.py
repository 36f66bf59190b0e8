"""The endpoints programs call (/token, /userinfo, /introspect, /revoke), served below Flask.

Relying parties and resource servers call them thousands of times a second, and Flask's
request cycle around them (request and URL-adapter objects, CSRF and outage hooks, the
after-request chain, a Response object whose every header is validated) cost as much CPU as
the protocol work itself: a no-op Flask view of this app took ~0.2 ms, a whole userinfo call
~0.4 ms. Here a request runs in an application context only (the database session, ``g``,
the store), is parsed by Flask's request class and answered by Authlib's protocol classes
through ``oidc.server.MachineServer``, which hands back plain bytes and header pairs. The
checks Flask's hooks make on these paths are made here explicitly: the NUL-byte guard, the
outage simulation, the security headers and the JSON error answers of ``webcommon.errors``.

Methods these endpoints do not serve are answered here too (405, or OPTIONS with its Allow),
since no Flask view exists for these paths.
"""

import json

from authlib.oauth2.rfc6749.errors import InvalidGrantError
from flask import current_app, g
from werkzeug.http import HTTP_STATUS_CODES

from webcommon import errors as common
from webcommon import security
from webcommon.db import commit_if_begun

from .. import metrics
from ..oidc.server import Answer
from ..services import console, tokens
from ..storage.db import db
from . import rp_faults, sim
from .errors import malformed_oauth
from .security import CSP

NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


def _json(status: int, document: dict, extra=()) -> Answer:
    body = json.dumps(document, separators=(",", ":")).encode()
    return Answer(status, body, [("Content-Type", "application/json"), *extra])


def _error(status: int, message: str | None = None, code: str | None = None, extra=()) -> Answer:
    """The JSON error every machine path gives (``webcommon.errors.MESSAGES``/``CODES``)."""
    code, message = common.describe(status, message, code)
    return _json(status, {"error": code, "message": message}, extra)


class MachineEndpoints:
    """WSGI middleware in front of the IdP's Flask app (see the module docstring)."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.server = app.extensions["sol_machine_server"]
        self.store = app.extensions["sol_store"]
        self.routes = {
            "/token": (frozenset({"POST"}), self.token),
            "/userinfo": (frozenset({"GET", "HEAD", "POST"}), self.userinfo),
            "/introspect": (frozenset({"POST"}), self.introspect),
            "/revoke": (frozenset({"POST"}), self.revoke),
        }
        self._headers = security.base_headers(CSP, app.config["ENV"] == "production")

    def __call__(self, environ, start_response):
        route = self.routes.get(environ.get("PATH_INFO"))
        if route is None:
            return self.wsgi_app(environ, start_response)
        methods, endpoint = route
        with self.app.app_context():
            # Flask's request class (no request context): it reads the body limits
            # (MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE) from the app's configuration.
            request = self.app.request_class(environ)
            g.client_ip = request.remote_addr  # for the audit trail (services.audit)
            answer = self._answer(request, methods, endpoint)
        present = {name.lower() for name, _ in answer.headers}
        headers = answer.headers + [(n, v) for n, v in self._headers if n.lower() not in present]
        headers.append(("Content-Length", str(len(answer.body))))
        reason = HTTP_STATUS_CODES.get(answer.status_code, "UNKNOWN").upper()
        start_response(f"{answer.status_code} {reason}", headers)
        return [] if request.method == "HEAD" else [answer.body]

    def _answer(self, request, methods, endpoint) -> Answer:
        if request.method not in methods:
            allow = [("Allow", ", ".join(sorted(methods | {"OPTIONS"})))]
            if request.method == "OPTIONS":  # as Flask answers it for its own routes
                return Answer(200, b"", [("Content-Type", "text/html; charset=utf-8"), *allow])
            return _error(405, extra=allow)
        try:
            if security.request_has_nul(request):
                return _error(400)
            if sim.simulate_outage(request.path):
                return _error(503, sim.DOWN_MESSAGE, "temporarily_unavailable", sim.RETRY_AFTER)
            return endpoint(request)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON answer
            return self._failure(exc)

    def _failure(self, exc: Exception) -> Answer:
        """The answer Flask's error handlers (``webcommon.errors``) would give, as JSON."""
        if malformed_oauth(exc):
            return _error(400, code="invalid_request")
        status = common.status_of(exc, db)
        return _error(status)

    # -- the endpoints ------------------------------------------------------------------------

    def token(self, request) -> Answer:
        fault = rp_faults.token_endpoint_fault(self.server, request)  # RP test bench (no-op)
        if fault is not None:
            _console_fault_event(self.store)
            return fault
        with self.store.batch():  # the used code's mark and the access token: one round trip
            answer = self.server.create_token_response(request)
        if answer.status_code == 200 and not tokens.rotate_staged():
            # a concurrent use of the refresh token won: refused as Authlib refuses a used one
            answer = self.server.handle_response(*InvalidGrantError()())
        metrics.count_token_response(answer.status_code, answer.body)
        draft = g.pop("sol_console", None)  # only when the RP console watches this client
        if draft is not None:
            applied = g.get("sol_applied_fault")
            item = console.event(
                **draft, fault=applied[1] if applied else None, answer=answer.json()
            )
            console.record(self.store, draft["client_id"], item)
        if answer.status_code == 200:
            # On SQLite a refresh token's row waits in the session (on PostgreSQL it is
            # written on its own); a refused request is rolled back when the context ends.
            commit_if_begun(db)
        answer.headers = [h for h in answer.headers if h[0] not in ("Cache-Control", "Pragma")]
        answer.headers.extend(NO_STORE)
        return answer

    def userinfo(self, request) -> Answer:
        answer = self.server.create_endpoint_response("userinfo", request)
        metrics.count_userinfo(answer.status_code)
        commit_if_begun(db)  # the audit row of an RP test bench fault, if any
        return answer

    def introspect(self, request) -> Answer:
        answer = self.server.create_endpoint_response("introspection", request)
        metrics.count_introspection(answer.status_code, answer.body)
        return answer

    def revoke(self, request) -> Answer:
        return self.server.create_endpoint_response("revocation", request)


def _console_fault_event(store) -> None:
    """A token-endpoint fault answered instead of a token: the console shows it too."""
    applied = g.get("sol_applied_fault")
    if applied and console.watched(store, current_app.config, applied[0]):
        item = console.event(
            grant="authorization_code",
            client_id=applied[0],
            account=None,
            scope=None,
            fault=applied[1],
            answer={"error": applied[1]},
            access=None,
        )
        console.record(store, applied[0], item)
