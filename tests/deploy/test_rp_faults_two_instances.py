"""The RP test bench across two IdP instances: a fault armed at one is applied, listed and
cleared at the other, and the key of ``key_rotation`` is published by both at once.

Runs only with TEST_DATABASE_URL and TEST_REDIS_URL (the store must be shared)."""

from __future__ import annotations

import os

import pytest
import requests

from idp.testing import start_idp
from idp.testing.flows import CodeFlow
from tests.support.databases import fresh_database_url, redis_url
from tests.support.live import free_port

pytestmark = pytest.mark.skipif(
    not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL")),
    reason="needs PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL (make test-pg)",
)

RUC = "20123456786"
CLIENT, SECRET = "bench-rp", "bench-two-secret-0123456789"
REDIRECT = "http://127.0.0.1:9/cb"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    import redis

    tmp = tmp_path_factory.mktemp("bench_two_idps")
    database, store = fresh_database_url("bench_two_idps", tmp), redis_url(12)
    redis.Redis.from_url(store).flushdb()
    port_a, port_b = free_port(), free_port()
    shared = {
        "ISSUER": f"http://127.0.0.1:{port_a}",
        "SECRET_KEY": "bench-two-secret-key-0123456789",
        "SUBJECT_SALT": "bench-two-subject-salt-0123456789",
        "ADMIN_TOKEN": "bench-two-admin-token-0123456789",
    }
    a = start_idp(str(tmp / "a"), database_url=database, redis_url=store, port=port_a, **shared)
    b = start_idp(str(tmp / "b"), database_url=database, redis_url=store, port=port_b, **shared)
    a.create_taxpayer(RUC)
    a.register_client(CLIENT, secret=SECRET, redirect_uris=[REDIRECT], first_party=True)
    yield a, b
    a.stop()
    b.stop()


def _tokens_at(idp) -> dict:
    flow = CodeFlow(CLIENT, REDIRECT, client_secret=SECRET)
    code = flow.authorize(idp.url, {"ruc": RUC, "usuario": "PRINCIPA", "clave": "Clave123"})
    return flow.redeem(idp.url, code)


def _kids(idp) -> set[str]:
    return {k["kid"] for k in requests.get(f"{idp.url}/jwks", timeout=5).json()["keys"]}


def test_a_fault_armed_at_one_instance_is_applied_listed_and_cleared_at_the_other(pair):
    a, b = pair
    armed = a.arm_rp_fault("id_token_wrong_audience", client_id=CLIENT, times=2)
    assert [f["id"] for f in b.rp_faults()] == [armed["id"]]
    assert b.claims(_tokens_at(b)["id_token"])["aud"] == "otro-cliente"
    assert a.rp_faults()[0]["remaining"] == 1
    b.clear_rp_faults()
    assert a.rp_faults() == []
    assert a.claims(_tokens_at(a)["id_token"])["aud"] == CLIENT


def test_key_rotation_at_one_instance_is_published_by_both(pair):
    a, b = pair
    before = _kids(a)
    with b.rp_fault("key_rotation", client_id=CLIENT):
        token = _tokens_at(b)["id_token"]
    new = _kids(a) - before
    assert len(new) == 1 and new == _kids(b) - before
    assert a.claims(token)["aud"] == CLIENT  # verified with A's JWKS
