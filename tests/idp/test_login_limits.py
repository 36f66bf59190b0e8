"""The per-IP rate limit of the login form (Flask-Limiter on the store)."""

from idp import create_app
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
    codes = [client.post("/login", data={"challenge": "x"}).status_code for _ in range(5)]
    assert codes[:3] == [400, 400, 400]  # expired challenge page, but counted
    assert codes[3:] == [429, 429]
    page = client.post("/login", data={"challenge": "x"})
    assert "Demasiados intentos" in page.get_data(as_text=True)
    other_ip = client.post(
        "/login", data={"challenge": "x"}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert other_ip.status_code == 400
