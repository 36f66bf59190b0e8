"""Session id renewed at login, lockout shared by every worker, security headers and cookie
flags in development and production."""

import copy

import pytest
import requests

from idp import create_app
from idp.testing import start_idp
from tests.faults.services import PrivateRedis, redis_binary
from tests.support.agent import Agent, forms
from tests.support.oidc import REDIRECT, Flow

from .conftest import PASSWORD, RUC

COOKIE = "sol_session"


def _session_of(app, cookie: str | None) -> dict:
    if not cookie:
        return {}
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie))


def test_session_is_renewed_at_login_and_a_planted_cookie_gains_nothing(sol):
    # The attacker opens the login page and plants that (anonymous) cookie in the victim.
    attacker = Agent()
    page = Flow(sol.url, "rp1", "s3cret-rp1", agent=attacker).start()
    planted = attacker.http.cookies.get(COOKIE)
    assert planted and "sid" not in _session_of(sol.app, planted)

    victim = Agent()
    for c in attacker.http.cookies:  # the very cookie, same domain and path
        victim.http.cookies.set_cookie(copy.copy(c))
    flow = Flow(sol.url, "rp1", "s3cret-rp1", agent=victim)
    done = flow.login(page, RUC, "OPERADO1", PASSWORD)
    assert hasattr(done, "location"), done.text[:1500]
    after = victim.http.cookies.get(COOKIE)
    assert after != planted
    sid = _session_of(sol.app, after)["sid"]
    # The planted cookie is still anonymous: prompt=none with it is login_required.
    replay = Flow(sol.url, "rp1", "s3cret-rp1", agent=attacker).start(prompt="none")
    assert "error=login_required" in replay.location

    # A second login (prompt=login) opens a new session with a new id.
    again = Flow(sol.url, "rp1", "s3cret-rp1", agent=victim)
    page2 = again.start(prompt="login")
    again.login(page2, RUC, "OPERADO1", PASSWORD)
    assert _session_of(sol.app, victim.http.cookies.get(COOKIE))["sid"] != sid


def test_a_cookie_signed_with_another_key_is_ignored(sol):
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("not-the-key", salt="cookie-session").dumps({"sid": "x"})
    browser = Agent()
    browser.http.cookies.set(COOKIE, forged)
    resp = Flow(sol.url, "rp1", "s3cret-rp1", agent=browser).start(prompt="none")
    assert "error=login_required" in resp.location


@pytest.fixture
def shared_redis_url():
    """A private redis-server of this test (the shared 6379 is never flushed here)."""
    server = PrivateRedis(redis_binary()).start()
    yield server.url
    server.stop()


def test_lockout_holds_across_workers(tmp_path, shared_redis_url):
    """Two IdP instances (as two granian workers or two hosts) on one Redis and one
    database: five failures spread over both lock the account on both."""
    db_url = f"sqlite:///{tmp_path}/shared.sqlite3"
    settings = {
        "SECRET_KEY": "shared-secret-key-0123456789abcdef",
        "LOCKOUT_THRESHOLD": 5,
        "RECAPTCHA_BACKEND": "test",
    }
    solved = {"g-recaptcha-response": "PASSED"}  # asked after 3 failures
    a = start_idp(str(tmp_path / "a"), database_url=db_url, redis_url=shared_redis_url, **settings)
    b = start_idp(str(tmp_path / "b"), database_url=db_url, redis_url=shared_redis_url, **settings)
    try:
        a.store._r.flushdb()
        a.create_taxpayer(RUC)
        a.create_user(RUC, "OPERADO1")
        a.create_user(RUC, "OPERADO2", document_number="45678902")
        a.register_client("rp1", secret="s3cret-rp1", redirect_uris=[REDIRECT], first_party=True)
        pages = {n: Flow(h.url, "rp1", "s3cret-rp1") for n, h in (("a", a), ("b", b))}
        current = {n: f.start() for n, f in pages.items()}
        for i, name in enumerate("ababa"):
            current[name] = pages[name].agent.submit(
                current[name], {"ruc": RUC, "usuario": "OPERADO1", "clave": f"Wrong{i}x", **solved}
            )
            assert current[name].status_code == 401
        for name in "ab":  # the right clave is refused on both instances now
            resp = pages[name].agent.submit(
                current[name], {"ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD, **solved}
            )
            assert resp.status_code == 401 and "bloqueado" in resp.text, (name, resp.text[:300])
        # Another user of the same RUC is not affected, on either instance.
        for h in (a, b):
            token = Flow(h.url, "rp1", "s3cret-rp1").full_login(RUC, "OPERADO2", PASSWORD)
            assert "id_token" in token
    finally:
        a.stop()
        b.stop()


HTML_PAGES = ["/login?challenge=nope", "/no-such-page", "/logout"]
JSON_ENDPOINTS = ["/jwks", "/.well-known/openid-configuration", "/healthz", "/userinfo"]


def test_security_headers_everywhere_in_development(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    login_page = flow.start()
    responses = [login_page] + [
        requests.get(sol.url + p, timeout=10) for p in HTML_PAGES + JSON_ENDPOINTS
    ]
    for resp in responses:
        h = resp.headers
        where = f"{resp.url} {resp.status_code}"
        assert "frame-ancestors 'none'" in h.get("Content-Security-Policy", ""), where
        assert "default-src 'self'" in h["Content-Security-Policy"], where
        assert "script-src 'self'" in h["Content-Security-Policy"], where
        assert "unsafe-eval" not in h["Content-Security-Policy"], where
        assert h.get("X-Frame-Options") == "DENY", where
        assert h.get("X-Content-Type-Options") == "nosniff", where
        assert h.get("Referrer-Policy") == "no-referrer", where
        assert "Strict-Transport-Security" not in h, f"HSTS over plain http: {where}"
    assert login_page.headers["Cache-Control"] == "no-store"
    cookie = requests.get(flow.authorize_url(), allow_redirects=False, timeout=10).headers[
        "Set-Cookie"
    ]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over http: a Secure cookie would be lost
    assert COOKIE in cookie


def _production_app(tmp_path):
    app = create_app(
        {
            "ENV": "production",
            "ISSUER": "https://sol.example",
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "postgresql+psycopg://sol@127.0.0.1:1/sol",  # never reached here
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "SECRET_KEY": "p" * 32,
            "ADMIN_TOKEN": "a" * 32,
            "SUBJECT_SALT": "s" * 32,
            "METRICS_TOKEN": "m" * 32,
        }
    )

    @app.get("/_probe_cookie")
    def probe():  # writes the session the way the login pages do
        from flask import session

        session["probe"] = "1"
        return "<p>ok</p>"

    return app


def test_production_adds_hsts_and_secure_cookies(tmp_path):
    app = _production_app(tmp_path)
    client = app.test_client()
    for path in ("/healthz", "/_probe_cookie", "/no-such-page"):
        resp = client.get(path, base_url="https://sol.example")
        hsts = resp.headers.get("Strict-Transport-Security", "")
        assert "max-age=31536000" in hsts and "includeSubDomains" in hsts, path
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    cookie = client.get("/_probe_cookie", base_url="https://sol.example").headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie, cookie
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_login_form_has_no_autocomplete_of_the_clave_and_posts_to_itself(sol):
    page = Flow(sol.url, "rp1", "s3cret-rp1").start()
    form = forms(page.text)[0]
    assert form["method"].lower() == "post" and form["action"] == "/login"
    assert 'autocomplete="off"' in page.text
    assert 'type="password"' in page.text and 'name="clave"' in page.text
