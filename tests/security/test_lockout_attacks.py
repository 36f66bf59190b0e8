"""Issue #16, item 2, against the live IdP: a stranger's wrong claves must not lock the real
user out, guessing is still stopped, and the SOL form asks for a captcha after failures.

Each "source" is a client bound to its own loopback address (127.0.0.x): the IdP sees a
different ``remote_addr`` per source, exactly as for two hosts.
"""

from __future__ import annotations

import pytest
import requests
from requests.adapters import HTTPAdapter

from idp.domain import messages
from tests.support.agent import Agent
from tests.support.oidc import Flow

from .conftest import PASSWORD, RUC

SOLVED = {"g-recaptcha-response": "PASSED"}  # the IdP of the tests uses the "test" backend


class _From(HTTPAdapter):
    """Every connection of this adapter leaves from ``address``."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _flow_from(sol, address: str) -> Flow:
    agent = Agent()
    agent.http.mount("http://", _From(address))
    return Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)


def _try(flow, page, clave, usuario="OPERADO1", captcha=True):
    data = {"ruc": RUC, "usuario": usuario, "clave": clave, **(SOLVED if captcha else {})}
    return flow.agent.submit(page, data, stop_prefix=flow.redirect_uri)


@pytest.fixture
def sources(sol):
    try:
        probe = _flow_from(sol, "127.0.0.2").start()
    except requests.ConnectionError as exc:  # pragma: no cover - a host without 127/8 routing
        pytest.skip(f"loopback aliases not usable here: {exc}")
    assert probe.status_code == 200
    return sol


def test_a_stranger_cannot_lock_the_real_user_out(sources):
    sol = sources
    attacker = _flow_from(sol, "127.0.0.2")
    page = attacker.start()
    for i in range(8):  # more than the threshold, every 15 minutes, for ever
        page = _try(attacker, page, f"Wrong{i}xx")
        assert page.status_code == 401
    assert "bloqueado temporalmente" in page.text  # the attacker's source is locked out
    assert "bloqueado" in _try(attacker, page, PASSWORD).text  # even with the right clave
    # the real user, from elsewhere, still gets in (a captcha is asked, not a lock)
    victim = _flow_from(sol, "127.0.0.3")
    page = _try(victim, victim.start(), PASSWORD, captcha=False)
    assert page.status_code == 401 and 'id="login-captcha"' in page.text
    assert messages.LOGIN_CAPTCHA_REQUIRED in page.text.replace("&#171;", "«").replace(
        "&#187;", "»"
    )
    done = _try(victim, page, PASSWORD)
    assert "code=" in getattr(done, "location", ""), getattr(done, "text", "")[:300]


def test_guessing_from_one_source_is_still_stopped(sources):
    sol = sources
    flow = _flow_from(sol, "127.0.0.4")
    page = flow.start()
    for i in range(5):
        page = _try(flow, page, f"Wrong{i}xx")
    locked = _try(flow, page, PASSWORD)
    assert locked.status_code == 401 and "bloqueado temporalmente" in locked.text


def test_the_captcha_is_asked_after_failures_and_checked(sources):
    sol = sources
    flow = _flow_from(sol, "127.0.0.5")
    page = flow.start()
    assert 'id="login-captcha"' not in page.text  # nothing before any failure
    for i in range(3):
        page = _try(flow, page, f"Wrong{i}xx", captcha=False)
    assert 'id="login-captcha"' in page.text
    # a wrong or missing captcha: the clave is not even tried, and it is not counted
    for token in ("nope", None):
        data = {"ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD}
        if token:
            data["g-recaptcha-response"] = token
        page = flow.agent.submit(page, data, stop_prefix=flow.redirect_uri)
        assert page.status_code == 401 and 'id="login-captcha"' in page.text
    done = _try(flow, page, PASSWORD)
    assert "code=" in getattr(done, "location", "")


def test_guessing_spread_over_many_sources_locks_the_account(sources):
    sol = sources
    threshold = sol.app.config["LOCKOUT_ACCOUNT_THRESHOLD"]
    per_source = sol.app.config["LOCKOUT_THRESHOLD"] - 1  # each source stays under its own lock
    tried = 0
    host = 10
    while tried < threshold:
        flow = _flow_from(sol, f"127.0.0.{host}")
        page = flow.start()
        for _ in range(min(per_source, threshold - tried)):
            page = _try(flow, page, f"Wrong{tried}xx")
            tried += 1
        host += 1
    fresh = _flow_from(sol, f"127.0.0.{host}")
    locked = _try(fresh, fresh.start(), PASSWORD)
    assert locked.status_code == 401 and "bloqueado temporalmente" in locked.text


def _flow_with_forwarded(base_url, forwarded: str) -> Flow:
    agent = Agent()
    agent.http.headers["X-Forwarded-For"] = forwarded
    return Flow(base_url, "rp1", "s3cret-rp1", agent=agent)


def test_a_spoofed_x_forwarded_for_buys_no_fresh_source(sol):
    """Without IDP_PROXY_HOPS the header is ignored: rotating it does not escape the lock."""
    for i in range(5):
        flow = _flow_with_forwarded(sol.url, f"203.0.113.{i + 1}")
        assert _try(flow, flow.start(), f"Wrong{i}xx").status_code == 401
    flow = _flow_with_forwarded(sol.url, "203.0.113.99")
    locked = _try(flow, flow.start(), PASSWORD)
    assert locked.status_code == 401 and "bloqueado temporalmente" in locked.text


def test_behind_a_trusted_proxy_the_source_is_the_client(tmp_path):
    """IDP_PROXY_HOPS=1 (one reverse proxy): the lockout counts by the forwarded client."""
    from idp.testing import start_idp
    from tests.support.databases import fresh_database_url
    from tests.support.oidc import REDIRECT

    idp = start_idp(
        str(tmp_path),
        database_url=fresh_database_url("idp_proxy", tmp_path),
        redis_url=None,  # its own in-process store: nothing shared to flush
        SECRET_KEY="proxy-secret-key-0123456789abcdef",
        RECAPTCHA_BACKEND="test",
        PROXY_HOPS=1,
    )
    try:
        idp.create_taxpayer(RUC)
        idp.create_user(RUC, "OPERADO1")
        idp.register_client("rp1", secret="s3cret-rp1", redirect_uris=[REDIRECT], first_party=True)
        attacker = _flow_with_forwarded(idp.url, "203.0.113.7")
        page = attacker.start()
        for i in range(5):
            page = _try(attacker, page, f"Wrong{i}xx")
        assert "bloqueado temporalmente" in page.text
        victim = _flow_with_forwarded(idp.url, "198.51.100.20")  # same proxy, another client
        done = _try(victim, victim.start(), PASSWORD)
        assert "code=" in getattr(done, "location", ""), getattr(done, "text", "")[:300]
    finally:
        idp.stop()
