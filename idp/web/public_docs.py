"""The two public documents (discovery, JWKS): serialized once, and served to plain GETs
before Flask's request machinery.

Relying parties fetch them all the time and they are the same bytes for everyone, yet a
Flask request costs 2-3 times the work of answering them (request context, session
interface, limiter, CSRF and outage hooks, response object). Plain ``GET``/``HEAD``
requests without a query are answered here with the same body, ETag and headers the Flask
views give; anything else (another method, a query string, an outage simulation in effect,
a database that cannot be read) goes on to Flask, which answers as before.
"""

import hashlib
import json
import logging

from werkzeug.http import parse_etags

from webcommon import security

from ..oidc import discovery
from ..services import outage, rp_faults
from .security import CSP

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/jwks"
CACHE_CONTROL = "public, max-age=60"

log = logging.getLogger("idp.public_docs")


def _json_bytes(source) -> tuple[bytes, str]:
    body = json.dumps(source, separators=(",", ":")).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]


def document(app, path: str) -> tuple[bytes, str]:
    """(body, ETag without quotes) of a public document; needs the app context (the key ring may
    reload from the database)."""
    if path == DISCOVERY_PATH:
        cached = app.extensions.get("sol_discovery_json")
        if cached is None:  # the metadata only changes with the configuration (a restart)
            cached = _json_bytes(discovery.metadata(app.config["ISSUER"]))
            app.extensions["sol_discovery_json"] = cached
        return cached
    public = app.extensions["sol_keyring"].jwks()  # the ring's 10 s cache: same dict till reload
    if rp_faults.enabled(app.config):
        # keys published by the RP test bench's key_rotation fault (read from the store,
        # so that every instance publishes them at once)
        extra = rp_faults.published_keys(app.extensions["sol_store"])
        if extra:
            return _json_bytes({"keys": [*public["keys"], *extra]})
    cached = app.extensions.get("sol_jwks_json")
    if cached is None or cached[0] is not public:
        cached = (public, *_json_bytes(public))
        app.extensions["sol_jwks_json"] = cached
    return cached[1], cached[2]


class PublicDocuments:
    """WSGI middleware in front of the IdP's Flask app (see the module docstring)."""

    PATHS = frozenset({DISCOVERY_PATH, JWKS_PATH})

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._headers = (
            ("Content-Type", "application/json"),
            ("Cache-Control", CACHE_CONTROL),
            *security.base_headers(CSP, app.config["ENV"] == "production"),
        )

    def __call__(self, environ, start_response):
        if (
            environ.get("PATH_INFO") not in self.PATHS
            or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or environ.get("QUERY_STRING")
        ):
            return self.wsgi_app(environ, start_response)
        found = self._document(environ["PATH_INFO"])
        if found is None:
            return self.wsgi_app(environ, start_response)
        body, etag = found
        headers = [*self._headers, ("ETag", f'"{etag}"')]
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and parse_etags(if_none_match).contains_weak(etag):
            start_response("304 NOT MODIFIED", headers)
            return []
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _document(self, path: str) -> tuple[bytes, str] | None:
        """The document, or None when Flask must answer (outage simulated, store or
        database failing: Flask's hooks and error handlers say so properly)."""
        try:
            if self.app.extensions["sol_keyring"].fresh():
                # Nothing below reads the database while the key ring's copy is fresh (the
                # outage flag and the published keys are per-process copies of the store's),
                # so the app context, a third of a JWKS answer's work, is not pushed.
                return self._lookup(path)
            with self.app.app_context():
                return self._lookup(path)
        except Exception as err:  # noqa: BLE001 - any failure: Flask answers and reports it
            log.debug("public document %s left to Flask: %s", path, err)
            return None

    def _lookup(self, path: str) -> tuple[bytes, str] | None:
        simulated = rp_faults.enabled(self.app.config)
        if simulated and outage.current(self.app.extensions["sol_store"]).mode != "none":
            return None
        return document(self.app, path)
