"""/token, /userinfo, /introspect and /revoke are served below Flask (idp.web.machine): the
checks Flask's hooks made on these paths are still made, and every answer is JSON."""

import flask
import pytest
import requests

from webcommon.security import base_headers

MACHINE_PATHS = ("/token", "/userinfo", "/introspect", "/revoke")


@pytest.fixture
def client(idp):
    secret = idp.register_client("machine-rp", scope="padron", grant_types=["client_credentials"])
    return "machine-rp", secret


@pytest.fixture
def flask_requests(idp):
    """Paths of requests that reached Flask during the test."""
    seen = []

    def record(sender, **_):
        seen.append(flask.request.path)

    flask.request_started.connect(record, idp.app)
    yield seen
    flask.request_started.disconnect(record, idp.app)


def test_token_is_answered_without_flask_with_the_security_headers(idp, client, flask_requests):
    resp = requests.post(
        f"{idp.url}/token",
        data={"grant_type": "client_credentials", "scope": "padron"},
        auth=client,
        timeout=10,
    )
    assert resp.status_code == 200 and resp.json()["token_type"] == "Bearer"
    assert flask_requests == []
    assert resp.headers["Cache-Control"] == "no-store" and resp.headers["Pragma"] == "no-cache"
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers["X-Request-ID"]
    for name, value in base_headers("", False)[1:]:  # all but the CSP (the IdP's own)
        assert resp.headers[name] == value, name
    assert "Content-Security-Policy" in resp.headers
    assert "Set-Cookie" not in resp.headers


@pytest.mark.parametrize("path", MACHINE_PATHS)
def test_other_methods_get_a_json_405_and_options_its_allow(idp, path):
    resp = requests.delete(f"{idp.url}{path}", timeout=10)
    assert resp.status_code == 405
    assert resp.json()["error"] == "method_not_allowed"
    allowed = set(resp.headers["Allow"].split(", "))
    assert "POST" in allowed and "OPTIONS" in allowed
    options = requests.options(f"{idp.url}{path}", timeout=10)
    assert options.status_code == 200 and set(options.headers["Allow"].split(", ")) == allowed


def test_userinfo_answers_head_and_a_bearer_error_with_its_challenge(idp):
    missing = requests.get(f"{idp.url}/userinfo", timeout=10)
    assert missing.status_code == 401
    assert missing.json()["error"] == "missing_authorization"
    bad = requests.get(f"{idp.url}/userinfo", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"
    assert bad.headers["WWW-Authenticate"].startswith("Bearer")
    head = requests.head(f"{idp.url}/userinfo", headers={"Authorization": "Bearer x"}, timeout=10)
    assert head.status_code == 401 and head.content == b""


def test_nul_bytes_are_refused_before_authlib(idp, client):
    resp = requests.post(
        f"{idp.url}/token",
        data=b"grant_type=client_credentials&scope=pad%00ron",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=client,
        timeout=10,
    )
    assert resp.status_code == 400 and resp.json()["error"] == "bad_request"


@pytest.mark.parametrize("path", MACHINE_PATHS)
def test_the_outage_simulation_reaches_every_machine_endpoint(idp, client, path):
    with idp.outage("down"):
        resp = requests.post(f"{idp.url}{path}", auth=client, timeout=10)
    assert resp.status_code == 503
    assert resp.json()["error"] == "temporarily_unavailable"
    assert resp.headers["Retry-After"] == "30"
    after = requests.post(f"{idp.url}{path}", auth=client, timeout=10)
    assert after.status_code != 503


def test_a_refused_refresh_leaves_the_token_usable(idp):
    """The refresh token is claimed as it is read; a request refused after that (a scope it
    never had) is rolled back, so the token still works once, then never again."""
    idp.create_taxpayer("20100070970", principal_password="Clave2026")
    secret = idp.register_client(
        "machine-web",
        scope="openid sol offline_access",
        grant_types=["authorization_code", "refresh_token"],
        redirect_uris=["http://127.0.0.1:9/cb"],
    )
    tokens = idp.login(
        "20100070970",
        "PRINCIPA",
        "Clave2026",
        client_id="machine-web",
        client_secret=secret,
        scope="openid sol offline_access",
    )
    refresh = tokens["refresh_token"]

    def use(**extra):
        return requests.post(
            f"{idp.url}/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh, **extra},
            auth=("machine-web", secret),
            timeout=10,
        )

    widened = use(scope="openid sol offline_access padron")
    assert widened.status_code == 400 and widened.json()["error"] == "invalid_scope"
    assert use().status_code == 200
    reused = use()
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
