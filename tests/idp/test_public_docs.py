"""Discovery and JWKS answered before Flask (idp.web.public_docs): the same answer as the
Flask views, and Flask still answers whatever the shortcut must not."""

import flask
import pytest
import requests
from sqlalchemy.exc import OperationalError

from idp.web.public_docs import DISCOVERY_PATH, JWKS_PATH

PATHS = (JWKS_PATH, DISCOVERY_PATH)
SAME = (
    "Content-Type",
    "Cache-Control",
    "ETag",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Content-Length",
)


MARK = {"X-Test": "public-docs"}  # relying-party probes of other tests' apps also fetch /jwks


@pytest.fixture
def http():
    """The test's own HTTP client: its requests carry MARK."""
    with requests.Session() as session:
        session.headers.update(MARK)
        yield session


@pytest.fixture
def flask_requests(idp):
    """Paths of the test's own requests (MARK) that reached Flask."""
    seen = []

    def record(sender, **_):
        if flask.request.headers.get("X-Test") == MARK["X-Test"]:
            seen.append(flask.request.path)

    flask.request_started.connect(record, idp.app)
    yield seen
    flask.request_started.disconnect(record, idp.app)


@pytest.mark.parametrize("path", PATHS)
def test_plain_get_skips_flask_and_answers_as_the_flask_view(idp, http, flask_requests, path):
    fast = http.get(idp.url + path, timeout=10)
    assert flask_requests == []
    # A query string sends the request through Flask: its view must give the same answer.
    slow = http.get(idp.url + path + "?via=flask", timeout=10)
    assert flask_requests == [path]
    assert fast.status_code == slow.status_code == 200
    assert fast.content == slow.content and fast.json()
    for name in SAME:
        assert fast.headers[name] == slow.headers[name], name
    assert "Set-Cookie" not in fast.headers


@pytest.mark.parametrize("path", PATHS)
def test_head_and_conditional_get(idp, http, flask_requests, path):
    full = http.get(idp.url + path, timeout=10)
    head = http.head(idp.url + path, timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(full.content))
    etag = full.headers["ETag"]
    for sent in (etag, f'"x", {etag}', "*", "W/" + etag):  # If-None-Match compares weakly
        again = http.get(idp.url + path, headers={"If-None-Match": sent}, timeout=10)
        assert again.status_code == 304 and again.content == b"", sent
        assert again.headers["ETag"] == etag
    other = http.get(idp.url + path, headers={"If-None-Match": '"x"'}, timeout=10)
    assert other.status_code == 200 and other.content == full.content
    assert flask_requests == []


def test_other_methods_still_get_flask_answers(idp, http, flask_requests):
    assert http.post(idp.url + JWKS_PATH, timeout=10).status_code == 405
    assert http.delete(idp.url + DISCOVERY_PATH, timeout=10).status_code == 405
    assert http.get(idp.url + "/jwks/", timeout=10).status_code == 404
    assert http.get(idp.url + "/jwks?x=%00", timeout=10).status_code == 400  # NUL guard
    assert len(flask_requests) == 4


def test_simulated_outage_is_honoured(idp, http, flask_requests):
    with idp.outage("down"):
        resp = http.get(idp.url + JWKS_PATH, timeout=10)
        assert resp.status_code == 503
        assert resp.json()["error"] == "temporarily_unavailable"
    assert http.get(idp.url + JWKS_PATH, timeout=10).status_code == 200
    # Only the request made during the outage went through Flask.
    assert flask_requests == [JWKS_PATH]


def test_rotation_is_published_through_the_shortcut(idp, http):
    before = http.get(idp.url + JWKS_PATH, timeout=10)
    new_kids = idp.rotate_keys(lead=3600)
    idp.app.extensions["sol_keyring"].invalidate()  # other workers: within the 10 s cache
    after = http.get(idp.url + JWKS_PATH, timeout=10)
    kids = {k["kid"] for k in after.json()["keys"]}
    assert set(new_kids) <= kids
    assert {k["kid"] for k in before.json()["keys"]} <= kids  # old keys still verify
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_database_failure_is_left_to_flask(idp, http, flask_requests, monkeypatch):
    ring = idp.app.extensions["sol_keyring"]

    def broken(*_a, **_k):
        raise OperationalError("SELECT signing_key", {}, Exception("server closed"))

    monkeypatch.setattr(ring, "jwks", broken)
    resp = http.get(idp.url + JWKS_PATH, timeout=10)
    assert flask_requests == [JWKS_PATH]
    assert resp.status_code == 503 and resp.json()["error"] == "service_unavailable"


def test_a_fresh_key_ring_answers_without_an_app_context(idp):
    """The shortcut pushes no app context while the key ring's copy is fresh, and one (to
    reload the keys from SQL) once it is stale; the answer is the same."""
    import threading

    from werkzeug.test import EnvironBuilder

    me, pushed = threading.get_ident(), []

    def record(sender, **_):
        if threading.get_ident() == me:
            pushed.append(sender)

    def get_jwks():
        seen = {}
        body = idp.app(
            EnvironBuilder(path=JWKS_PATH).get_environ(),
            lambda status, headers, exc_info=None: seen.update(status=status),
        )
        return seen["status"], b"".join(body)

    ring = idp.app.extensions["sol_keyring"]
    flask.appcontext_pushed.connect(record, idp.app)
    try:
        get_jwks()  # loads the ring if another test left it stale
        assert ring.fresh()
        pushed.clear()
        fresh = get_jwks()
        assert pushed == []
        ring.invalidate()
        assert not ring.fresh()
        reloaded = get_jwks()
        assert pushed == [idp.app] and ring.fresh()
    finally:
        flask.appcontext_pushed.disconnect(record, idp.app)
    assert fresh == reloaded and fresh[0].startswith("200")
