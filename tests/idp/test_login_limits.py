"""The per-IP rate limit of the login form (Flask-Limiter on the store)."""

import pytest

from idp import create_app
from idp.domain import messages
from tests.support.databases import fresh_database_url


def test_login_posts_are_rate_limited_per_ip(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "ARGON2_PROFILE": "fast",
            "DATABASE_URL": fresh_database_url("limits", tmp_path),
            "LOGIN_RATE_LIMIT": "3/minute",
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    # showing the form is not an attempt: GETs are neither counted nor limited
    shown = [client.get(path, query_string={"challenge": "x"}) for path in ["/login"] * 5]
    assert [r.status_code for r in shown] == [400] * 5  # the expired-challenge page
    codes = [client.post("/login", data={"challenge": "x"}).status_code for _ in range(5)]
    assert codes[:3] == [400, 400, 400]  # expired challenge page, but counted
    assert codes[3:] == [429, 429]
    page = client.post("/login", data={"challenge": "x"})
    assert "Demasiados intentos" in page.get_data(as_text=True)
    other_ip = client.post(
        "/login", data={"challenge": "x"}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert other_ip.status_code == 400
    assert client.get("/login", query_string={"challenge": "x"}).status_code == 400
    extranet = [client.post("/login/extranet", data={"challenge": "x"}) for _ in range(4)]
    assert [r.status_code for r in extranet] == [400, 400, 400, 429]


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def _limited_app(tmp_path):
    return create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "ARGON2_PROFILE": "fast",
            "DATABASE_URL": fresh_database_url("limits", tmp_path),
            "LOGIN_RATE_LIMIT": "1/minute",
            "WTF_CSRF_ENABLED": False,
        }
    )


@pytest.mark.parametrize("accept", [BROWSER, "*/*", None])
def test_a_person_gets_sols_page_in_spanish(tmp_path, accept):
    client = _limited_app(tmp_path).test_client()
    headers = {"Accept": accept} if accept else {}
    client.post("/login/extranet", data={"challenge": "abc"}, headers=headers)
    page = client.post("/login/extranet", data={"challenge": "abc"}, headers=headers)
    assert page.status_code == 429 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert messages.LOGIN_RATE_LIMITED_TITLE in html
    assert "Espere 1 minuto y vuelva a intentarlo." in html
    assert 'href="/static/sol.css' in html  # SOL's look: its base template
    assert 'action="/login/extranet"' in html and 'value="abc"' in html
    assert page.headers["Retry-After"]


def test_an_api_client_keeps_json(tmp_path):
    client = _limited_app(tmp_path).test_client()
    client.post("/login", data={"challenge": "x"}, headers={"Accept": "application/json"})
    answer = client.post("/login", data={"challenge": "x"}, headers={"Accept": "application/json"})
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "60"
    assert answer.get_json()["error"] == "rate_limited"
    assert not any(h.startswith("X-RateLimit") for h in answer.headers.keys())
