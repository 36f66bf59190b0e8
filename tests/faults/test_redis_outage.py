"""Redis killed under load: clear 503s (JSON for programs, Spanish page for people), never a
500 or a hang; the IdP recovers by itself once Redis is back; nothing is accepted twice."""

import statistics
import time

import pytest
import requests

from kvstore.breaker import CLOSED, OPEN
from tests.support.agent import Agent
from tests.support.oidc import REDIRECT, Flow

from .conftest import CLIENT_ID, CLIENT_SECRET, PASSWORD, RUC, USER
from .load import Load, problems, requests_for, summary, wait_for_login

pytestmark = pytest.mark.slow


def _code(flow: Flow) -> str:
    page = flow.start()
    result = flow.login(page, RUC, USER, PASSWORD)
    assert hasattr(result, "location"), result.text[:300]
    return result.location


def _ready_within(base: str, timeout: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if requests.get(f"{base}/readyz", timeout=3).status_code == 200:
                return time.monotonic() - t0
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"/readyz not 200 within {timeout}s")


def test_redis_killed_under_load(faults_idp):
    idp = faults_idp
    base = idp.url
    # Before the outage: a token, an unredeemed code, a redeemed code, a live SSO browser.
    first = Flow(base, CLIENT_ID, CLIENT_SECRET, scope="openid sol offline_access")
    tokens = first.full_login(RUC, USER, PASSWORD)
    assert "refresh_token" in tokens
    pending_flow = Flow(base, CLIENT_ID, CLIENT_SECRET)
    pending_callback = _code(pending_flow)
    used_flow = Flow(base, CLIENT_ID, CLIENT_SECRET)
    used_callback = _code(used_flow)
    used_flow.token(used_callback)
    sso_browser = Agent()
    Flow(base, CLIENT_ID, CLIENT_SECRET, agent=sso_browser).full_login(RUC, USER, PASSWORD)

    # A login form loaded before the outage and posted during it (CSRF token valid: the
    # per-IP rate limiter, which keeps its counters in Redis, is consulted).
    form_browser = Flow(base, CLIENT_ID, CLIENT_SECRET)
    form_browser.agent.http.headers["Accept"] = "text/html,application/xhtml+xml"
    form_page = form_browser.start()

    mix = requests_for(base, idp.admin_token, tokens["access_token"])
    breaker = idp.app.extensions["sol_store"].breaker
    with Load(base, mix, threads=4, max_seconds=60) as load:
        time.sleep(1.0)
        down_at = time.monotonic()
        idp.redis.stop()
        time.sleep(3.0)
        during = load.between(down_at + 0.5, time.monotonic())
        # refused connections opened the breaker: the store answers for Redis without trying
        assert breaker.state == OPEN and breaker.opened_count >= 1
        # A person trying to log in during the outage sees the Spanish page, not a trace.
        page = requests.get(
            f"{base}/authorize",
            params={
                "response_type": "code",
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT,
                "scope": "openid",
            },
            headers={"Accept": "text/html"},
            timeout=8,
        )
        assert page.status_code == 503 and "no está disponible" in page.text
        posted = form_browser.login(form_page, RUC, USER, PASSWORD)
        assert posted.status_code == 503 and "no está disponible" in posted.text, (
            posted.status_code,
            posted.text[:300],
        )
        # A refresh answered 503 has not spent its token (it works after the outage).
        refused = requests.post(
            f"{base}/token",
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=8,
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert refused.status_code == 503, refused.text
        idp.redis.start()
        ready_after = _ready_within(base, 20)
        assert breaker.state == CLOSED  # readiness came back because the probe closed it
        login_after = wait_for_login(base, 20)
        time.sleep(1.0)
    print(
        f"\n[redis outage] /readyz 200 {ready_after:.2f}s and first full login "
        f"{login_after:.2f}s after Redis came back ({len(load.hits)} requests; "
        f"during: {summary(during)})"
    )

    assert not problems(load.hits), "\n".join(problems(load.hits)[:20])
    assert any(h.status == 503 for h in during), summary(during)
    assert max(h.elapsed for h in load.hits) < 5.0, "a request hung during the outage"
    assert login_after < 10.0

    # Nothing issued before the outage is accepted again after it.
    for flow, callback in ((pending_flow, pending_callback), (used_flow, used_callback)):
        code = callback.split("code=")[1].split("&")[0]
        replay = requests.post(
            f"{base}/token",
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=8,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": flow.verifier,
            },
        )
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    again = Flow(base, CLIENT_ID, CLIENT_SECRET, agent=sso_browser).start()
    assert not hasattr(again, "location"), "an SSO session from before the outage was reused"
    assert "Ingrese su Clave SOL" in again.text
    # The refresh token lives in the database: it still works exactly once, though it was
    # tried during the outage.
    refreshed = requests.post(
        f"{base}/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=8,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    # Access tokens lived in Redis: the restarted, empty Redis knows none of them.
    old = requests.get(
        f"{base}/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=8,
    )
    assert old.status_code == 401, old.text
    assert refreshed.status_code == 200, refreshed.text
    fresh = requests.get(
        f"{base}/userinfo",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
        timeout=8,
    )
    assert fresh.status_code == 200, fresh.text  # the account is in SQL, untouched
    reuse = requests.post(
        f"{base}/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=8,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert reuse.status_code == 400


def test_rate_limiter_survives_redis_outage(faults_idp, monkeypatch):
    """The per-IP login limiter keeps its counters in Redis; with Redis gone it must fall back
    (in-memory) instead of failing the request with a 500. The outage simulation hook, which
    also reads Redis and would answer 503 first, is neutralised to reach the limiter."""
    import idp.web.sim as sim
    from idp.services.outage import NORMAL

    monkeypatch.setattr(sim.outage_service, "current", lambda store: NORMAL)
    browser = Flow(faults_idp.url, CLIENT_ID, CLIENT_SECRET)
    browser.agent.http.headers["Accept"] = "text/html"
    page = browser.start()
    faults_idp.redis.stop()
    posted = browser.login(page, RUC, USER, PASSWORD)
    assert posted.status_code == 503, (posted.status_code, posted.text[:300])
    assert "no está disponible" in posted.text
    faults_idp.redis.start()
    assert wait_for_login(faults_idp.url, 20) < 10.0


def test_redis_frozen_never_hangs_the_idp(faults_idp):
    """A Redis that accepts connections but never answers (SIGSTOP): the first few requests wait
    for the client's socket timeout, then the store's breaker opens and every request that needs
    Redis gets its 503 at once (no socket I/O), until the background probe hears Redis again."""
    idp = faults_idp
    breaker = idp.app.extensions["sol_store"].breaker
    tokens = Flow(idp.url, CLIENT_ID, CLIENT_SECRET).full_login(RUC, USER, PASSWORD)
    mix = requests_for(idp.url, idp.admin_token, tokens["access_token"])
    with Load(idp.url, mix, threads=4, max_seconds=60) as load:
        time.sleep(0.5)
        frozen_at = time.monotonic()
        idp.redis.freeze()
        opened_at = None
        while time.monotonic() - frozen_at < 8.0:
            if opened_at is None and breaker.state == OPEN:
                opened_at = time.monotonic()
            if opened_at is not None and time.monotonic() - opened_at > 3.0:
                break
            time.sleep(0.01)
        assert opened_at is not None, "the breaker never opened on a frozen Redis"
        assert breaker.state == OPEN  # the probe cannot hear a frozen server
        thaw_at = time.monotonic()
        idp.redis.thaw()
        # Answers given while Redis was still frozen, before and after the breaker opened.
        during = [h for h in load.between(frozen_at, thaw_at) if h.at + h.elapsed < thaw_at]
        fast = [h for h in during if h.at > opened_at + 0.05]
        login_after = wait_for_login(idp.url, 20)
        assert breaker.state == CLOSED
    slowest = max(h.elapsed for h in load.hits)
    fast_503 = sorted(h.elapsed * 1000 for h in fast if h.status == 503)
    print(
        f"\n[redis frozen] breaker open {opened_at - frozen_at:.2f}s after SIGSTOP; then "
        f"{len(fast)} answers in {thaw_at - opened_at:.1f}s, 503 median "
        f"{statistics.median(fast_503) if fast_503 else float('nan'):.1f} ms, p99 "
        f"{fast_503[int(0.99 * (len(fast_503) - 1))] if fast_503 else float('nan'):.1f} ms; "
        f"slowest answer overall {slowest:.2f}s; first full login {login_after:.2f}s after "
        f"SIGCONT ({len(load.hits)} requests; during: {summary(during)})"
    )
    assert not problems(load.hits), "\n".join(problems(load.hits)[:20])
    assert any(h.status == 503 for h in fast), summary(fast)
    assert slowest < 7.0, "a request waited on the frozen Redis far past the client timeout"
    assert login_after < 10.0
