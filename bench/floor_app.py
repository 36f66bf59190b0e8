"""The smallest servers bench/floor.py puts under gunicorn: precomputed bytes, nothing else.

Two routes, ``GET /.well-known/openid-configuration`` and ``GET /jwks``, answered with bytes built
once at import, either by a bare WSGI callable (``bench.floor_app:app``) or by a minimal Flask app
(``bench.floor_app:create_flask_app()``), so the difference between the two is Flask's own cost.

Environment: ``FLOOR_ISSUER`` (the server's base URL, default http://127.0.0.1:8000) and
``FLOOR_JWKS`` (the JWKS JSON; bench/floor.py generates it once so that every worker of every
configuration serves the same bytes; without it, keys are generated here at import).
"""

from __future__ import annotations

import json
import os


def make_jwks() -> str:
    """Public JWKS shaped like the peer's: RSA 2048 (RS256), P-256 (ES256), Ed25519 (EdDSA)."""
    from joserfc.jwk import ECKey, OKPKey, RSAKey

    keys = [
        (RSAKey.generate_key(2048), "rsa-1", "RS256"),
        (ECKey.generate_key("P-256"), "ec-1", "ES256"),
        (OKPKey.generate_key("Ed25519"), "ed-1", "EdDSA"),
    ]
    return json.dumps(
        {
            "keys": [
                {**k.as_dict(private=False), "kid": kid, "use": "sig", "alg": alg}
                for k, kid, alg in keys
            ]
        },
        separators=(",", ":"),
    )


ISSUER = os.environ.get("FLOOR_ISSUER", "http://127.0.0.1:8000").rstrip("/")
JWKS = (os.environ.get("FLOOR_JWKS") or make_jwks()).encode()
# what the load driver reads from discovery: jwks_uri for the jwks scenario, the rest so that
# the document looks like an OP's (the driver's other scenarios would fail, by design)
DISCOVERY = json.dumps(
    {
        "issuer": ISSUER,
        "jwks_uri": ISSUER + "/jwks",
        "authorization_endpoint": ISSUER + "/authorize",
        "token_endpoint": ISSUER + "/token",
        "userinfo_endpoint": ISSUER + "/userinfo",
        "introspection_endpoint": ISSUER + "/introspect",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    },
    separators=(",", ":"),
).encode()

BODIES = {"/.well-known/openid-configuration": DISCOVERY, "/jwks": JWKS}
# (status line, headers, body) per path, built once: the request does a dict lookup and no more
_RESPONSES = {
    path: (
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        body,
    )
    for path, body in BODIES.items()
}
_NOT_FOUND = (
    "404 Not Found",
    [("Content-Type", "text/plain"), ("Content-Length", "9")],
    b"not found",
)


def app(environ, start_response):
    """Bare WSGI: no framework, no routing beyond one dict lookup."""
    status, headers, body = (
        _RESPONSES.get(environ.get("PATH_INFO", ""), _NOT_FOUND)
        if environ.get("REQUEST_METHOD") == "GET"
        else _NOT_FOUND
    )
    start_response(status, headers)
    return [body]


def create_flask_app():
    """The same two routes as one Flask view each, still returning the precomputed bytes."""
    from flask import Flask, Response

    flask_app = Flask(__name__)

    @flask_app.get("/.well-known/openid-configuration")
    def discovery():
        return Response(DISCOVERY, mimetype="application/json")

    @flask_app.get("/jwks")
    def jwks():
        return Response(JWKS, mimetype="application/json")

    return flask_app
