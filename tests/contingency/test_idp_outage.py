"""The IdP's outage simulation (contract.md ``/api/v1/sim/outage``, ``flask --app idp sim``)."""

import time
from urllib.parse import urlsplit

import requests

from idp.services import outage as outage_service
from tests.support.oidc import REDIRECT, Flow

RUC = "20123456786"


def _admin(idp):
    return {"Authorization": f"Bearer {idp.admin_token}"}


def _set(idp, **body):
    r = requests.put(f"{idp.url}/api/v1/sim/outage", json=body, headers=_admin(idp), timeout=5)
    assert r.status_code == 200, r.text
    outage_service.cache._by_store.clear()  # another process would see it within 1 s
    return r.json()


def test_api_requires_the_admin_token(idp):
    r = requests.get(f"{idp.url}/api/v1/sim/outage", timeout=5)
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    r = requests.put(
        f"{idp.url}/api/v1/sim/outage",
        json={"mode": "down"},
        headers={"Authorization": "Bearer wrong"},
        timeout=5,
    )
    assert r.status_code == 401
    assert requests.get(f"{idp.url}/.well-known/openid-configuration", timeout=5).ok


def test_api_validates_the_body(idp):
    url = f"{idp.url}/api/v1/sim/outage"
    for body, code in (
        ({"mode": "exploded"}, "invalid_outage"),
        ({"mode": "flaky", "error_rate": 2}, "invalid_outage"),
        ({"mode": "slow", "latency_ms": -1}, "invalid_outage"),
        ({"mode": "down", "extra": 1}, "unknown_fields"),
    ):
        r = requests.put(url, json=body, headers=_admin(idp), timeout=5)
        assert r.status_code == 422, body
        assert r.json()["error"] == code
        assert r.json()["message"]
    r = requests.put(url, data="nope", headers=_admin(idp), timeout=5)
    assert r.status_code == 400


def test_down_takes_every_oidc_endpoint_and_the_login_page_down(idp):
    state = _set(idp, mode="down")
    assert state["mode"] == "down"
    got = requests.get(f"{idp.url}/api/v1/sim/outage", headers=_admin(idp), timeout=5).json()
    assert got["mode"] == "down" and got["set_at"]
    for path in ("/.well-known/openid-configuration", "/jwks"):
        r = requests.get(idp.url + path, timeout=5)
        assert r.status_code == 503
        assert r.json()["error"] == "temporarily_unavailable"
        assert r.headers["Retry-After"]
    r = requests.post(f"{idp.url}/token", data={"grant_type": "client_credentials"}, timeout=5)
    assert r.status_code == 503 and r.json()["error"] == "temporarily_unavailable"
    for path in ("/authorize?client_id=x", "/login?challenge=x", "/login/extranet"):
        r = requests.get(idp.url + path, headers={"Accept": "text/html"}, timeout=5)
        assert r.status_code == 503, path
        assert "temporalmente no se encuentra disponible" in r.text
    # Health keeps telling the truth, and says a simulation is on.
    assert requests.get(f"{idp.url}/healthz", timeout=5).status_code == 200
    ready = requests.get(f"{idp.url}/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json()["sim_outage"] == "down"
    # Back to normal.
    _set(idp, mode="none")
    assert requests.get(f"{idp.url}/.well-known/openid-configuration", timeout=5).ok
    assert requests.get(f"{idp.url}/readyz", timeout=5).json()["sim_outage"] == "none"


def test_mode_changes_are_audited(idp):
    from idp.storage import db
    from idp.storage.audit import AuditEvent

    _set(idp, mode="flaky", error_rate=0.25)
    _set(idp, mode="none")
    with idp.app.app_context():
        rows = db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.action == "OUTAGE_MODE_SET")
            .order_by(AuditEvent.id)
        ).all()
        assert [r.after["mode"] for r in rows] == ["flaky", "none"]
        assert rows[0].after["error_rate"] == 0.25
        assert rows[1].before["mode"] == "flaky"
        assert rows[0].actor == "admin-api"


def test_slow_adds_latency_but_serves(idp):
    _set(idp, mode="slow", latency_ms=400)
    t0 = time.perf_counter()
    r = requests.get(f"{idp.url}/jwks", timeout=5)
    assert r.status_code == 200
    assert time.perf_counter() - t0 >= 0.4
    # Health is not slowed down.
    t0 = time.perf_counter()
    assert requests.get(f"{idp.url}/healthz", timeout=5).ok
    assert time.perf_counter() - t0 < 0.3


def test_flaky_fails_a_share_of_requests(idp):
    _set(idp, mode="flaky", error_rate=0.5)
    codes = [requests.get(f"{idp.url}/jwks", timeout=5).status_code for _ in range(80)]
    failures = codes.count(503)
    assert set(codes) <= {200, 503}
    assert 15 <= failures <= 65  # 0.5 ± a generous margin
    _set(idp, mode="flaky", error_rate=1.0)
    assert requests.get(f"{idp.url}/jwks", timeout=5).status_code == 503
    _set(idp, mode="flaky", error_rate=0.0)
    assert requests.get(f"{idp.url}/jwks", timeout=5).status_code == 200


def test_timeout_hangs_past_the_clients_timeout(idp):
    _set(idp, mode="timeout", latency_ms=1500)
    t0 = time.perf_counter()
    try:
        requests.get(f"{idp.url}/.well-known/openid-configuration", timeout=0.5)
    except requests.Timeout:
        pass
    else:  # pragma: no cover - the point of the test
        raise AssertionError("the request should have timed out")
    assert time.perf_counter() - t0 < 1.4
    # A patient client eventually gets a 503, never a success.
    r = requests.get(f"{idp.url}/jwks", timeout=5)
    assert r.status_code == 503


def test_code_flow_works_again_after_an_outage(idp):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1")
    secret = idp.register_client(
        "rp1", secret="s3cret-rp1", redirect_uris=[REDIRECT], first_party=True
    )
    flow = Flow(idp.url, "rp1", secret)
    _set(idp, mode="down")
    assert requests.get(flow.authorize_url(), allow_redirects=False, timeout=5).status_code == 503
    _set(idp, mode="none")
    token = flow.full_login(RUC, "OPERADO1", "Clave123")
    assert flow.id_claims(token["id_token"])["ruc"] == RUC


def test_cli_sets_and_shows_the_mode(idp, monkeypatch):
    # without Redis the command goes through the running server's API: this one's port
    monkeypatch.setitem(idp.app.config, "PORT", urlsplit(idp.url).port)
    runner = idp.app.test_cli_runner()
    result = runner.invoke(args=["sim", "outage", "slow", "--latency-ms", "250"])
    assert result.exit_code == 0, result.output
    assert '"mode": "slow"' in result.output and '"latency_ms": 250' in result.output
    assert outage_service.read(idp.store).mode == "slow"
    result = runner.invoke(args=["sim", "outage"])
    assert '"mode": "slow"' in result.output
    result = runner.invoke(args=["sim", "outage", "bogus"])
    assert result.exit_code != 0
    result = runner.invoke(args=["sim", "outage", "none"])
    assert result.exit_code == 0
    assert outage_service.read(idp.store).mode == "none"


def test_the_process_cache_is_bounded_to_one_second(idp):
    store = idp.store
    clock = [100.0]
    cache = outage_service._Cache()
    assert cache.get(store, monotonic=lambda: clock[0]).mode == "none"
    store.set(outage_service.KEY, '{"mode": "down", "latency_ms": 0, "error_rate": 0}')
    assert cache.get(store, monotonic=lambda: clock[0]).mode == "none"  # cached
    clock[0] += 1.01
    assert cache.get(store, monotonic=lambda: clock[0]).mode == "down"
    store.delete(outage_service.KEY)
