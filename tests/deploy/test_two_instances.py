"""Two IdP instances behind one issuer share PostgreSQL and Redis correctly.

Runs only with TEST_DATABASE_URL and TEST_REDIS_URL (``make test-pg``, CI): with SQLite and the
in-process store two instances cannot share codes and sessions, which is exactly why
production refuses them.
"""

from __future__ import annotations

import os
import time

import pytest
import requests

from idp.testing import start_idp
from idp.testing.flows import CodeFlow, FlowError, token_request
from tests.support.databases import fresh_database_url, redis_url
from tests.support.live import free_port

pytestmark = pytest.mark.skipif(
    not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")),
    reason="needs PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL (make test-pg)",
)

RUC = "20123456786"
SECRET = "two-instances-secret-0123456789"
REDIRECT = "http://127.0.0.1:9/cb"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Instances A and B: same issuer, database, Redis and secrets; two ports."""
    import redis

    tmp = tmp_path_factory.mktemp("two_idps")
    database, store = fresh_database_url("two_idps", tmp), redis_url(10)
    redis.Redis.from_url(store).flushdb()
    port_a, port_b = free_port(), free_port()
    shared = {
        "ISSUER": f"http://127.0.0.1:{port_a}",
        "SECRET_KEY": "two-idps-secret-key-0123456789",
        "SUBJECT_SALT": "two-idps-subject-salt-0123456789",
        "ADMIN_TOKEN": "two-idps-admin-token-0123456789",
    }
    a = start_idp(str(tmp / "a"), database_url=database, redis_url=store, port=port_a, **shared)
    b = start_idp(str(tmp / "b"), database_url=database, redis_url=store, port=port_b, **shared)
    a.create_taxpayer(RUC, principal_username="PRINCIPA")
    a.create_user(RUC, "OPERADOR", roles=["VUCE.USUARIO.OPERACION"])
    a.register_client(
        "shared-rp",
        secret=SECRET,
        redirect_uris=[REDIRECT],
        first_party=True,
        scope="openid profile email sol offline_access",
    )
    yield a, b
    a.stop()
    b.stop()


def _creds(user: str = "OPERADOR") -> dict:
    return {"ruc": RUC, "usuario": user, "clave": "Clave123"}


def test_a_code_issued_by_one_instance_is_redeemed_at_the_other(pair):
    a, b = pair
    assert a.url != b.url and a.app.config["ISSUER"] == b.app.config["ISSUER"]
    flow = CodeFlow("shared-rp", REDIRECT, client_secret=SECRET)
    code = flow.authorize(a.url, _creds())
    tokens = flow.redeem(b.url, code)
    claims = b.claims(tokens["id_token"])  # B also verifies what B signed with the shared keys
    assert claims["iss"] == a.app.config["ISSUER"] and claims["sol_username"] == "OPERADOR"
    assert a.claims(tokens["id_token"])["sub"] == claims["sub"]
    with pytest.raises(FlowError, match="invalid_grant"):  # single use across instances
        flow.redeem(a.url, code)


def test_an_sso_session_opened_at_one_instance_is_seen_at_the_other(pair):
    a, b = pair
    first = CodeFlow("shared-rp", REDIRECT, client_secret=SECRET)
    first.redeem(a.url, first.authorize(a.url, _creds()))
    again = CodeFlow("shared-rp", REDIRECT, client_secret=SECRET, http=first.http)
    code = again.authorize(b.url)  # no credentials: B must find A's SSO session
    tokens = again.redeem(b.url, code)
    assert a.claims(tokens["id_token"])["sol_username"] == "OPERADOR"


def test_a_refresh_token_from_one_instance_works_at_the_other(pair):
    a, b = pair
    flow = CodeFlow("shared-rp", REDIRECT, client_secret=SECRET, scope="openid sol offline_access")
    tokens = flow.redeem(a.url, flow.authorize(a.url, _creds()))
    refreshed = token_request(
        b.url,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        "shared-rp",
        SECRET,
    )
    assert refreshed["access_token"] != tokens["access_token"]
    with pytest.raises(FlowError):  # rotation: the old refresh token is spent everywhere
        token_request(
            a.url,
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            "shared-rp",
            SECRET,
        )


def test_an_outage_set_at_one_instance_is_seen_by_both(pair):
    a, b = pair
    with a.outage("down"):
        time.sleep(1.1)  # each process caches the flag for at most a second
        assert requests.get(f"{b.url}/jwks", timeout=10).status_code == 503
    time.sleep(1.1)
    assert requests.get(f"{b.url}/jwks", timeout=10).status_code == 200
