"""Issue 15's "done means": after a demo login, a denied login, a contingency link and an
outage switch, both apps' ``/metrics`` pages (granian, multiprocess mode, read from loopback
without a token) show them."""

from __future__ import annotations

import time

import pytest
import requests

from launcher.demo import IMPORTER
from tests.support.metrics import value

from .conftest import api, vuce_login
from .test_outage_rehearsal import _request_link, _vuce_contingency

pytestmark = pytest.mark.browser


def _scrape(url: str) -> str:
    resp = requests.get(f"{url}/metrics", timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/plain")
    return resp.text


def test_both_metrics_pages_show_a_login_a_denial_a_link_and_an_outage(page, stack, browser):
    sol0, vuce0 = _scrape(stack.idp), _scrape(stack.vuce)

    vuce_login(page, stack, IMPORTER, "OPERADOR")  # the demo login
    page.wait_for_url(f"{stack.vuce}/mr/")
    page.context.clear_cookies()
    vuce_login(page, stack, IMPORTER, "SINROLES")  # refused: message 1
    page.wait_for_selector("#entry-message")
    page.context.clear_cookies()

    assert api(stack, "PUT", "/api/v1/sim/outage", json={"mode": "down"}).status_code == 200
    try:
        sol_down = _scrape(stack.idp)
        _vuce_contingency(stack, True)
        _request_link(page, stack, "OPERADOR")
        deadline = time.monotonic() + 30  # the mail worker (its own process) sends the link
        while time.monotonic() < deadline:
            vuce1 = _scrape(stack.vuce)
            if value(vuce1, "vuce_contingency_links_total", event="sent") > value(
                vuce0, "vuce_contingency_links_total", event="sent"
            ):
                break
            time.sleep(0.5)
        assert value(vuce1, "vuce_contingency_active") == 1
    finally:
        _vuce_contingency(stack, False)
        api(stack, "PUT", "/api/v1/sim/outage", json={"mode": "none"})
    sol1, vuce2 = _scrape(stack.idp), _scrape(stack.vuce)

    def grew(before, after, name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    # SOL
    assert grew(sol0, sol1, "sol_logins_total", outcome="ok") >= 2
    assert grew(sol0, sol1, "sol_tokens_issued_total", grant_type="authorization_code") >= 2
    assert grew(sol0, sol1, "sol_outage_switches_total", mode="down") >= 1
    assert value(sol_down, "sol_outage_mode", mode="down") == 1
    assert value(sol1, "sol_outage_mode", mode="none") == 1
    assert value(sol1, "sol_signing_keys", state="signing") >= 1
    assert grew(sol0, sol1, "sol_http_request_duration_seconds_count", endpoint="token") >= 2
    # VUCE
    assert grew(vuce0, vuce2, "vuce_logins_total", component="MR") >= 1
    assert grew(vuce0, vuce2, "vuce_entry_denials_total", message="1") >= 1
    assert grew(vuce0, vuce2, "vuce_contingency_links_total", event="requested") >= 1
    assert grew(vuce0, vuce2, "vuce_contingency_links_total", event="sent") >= 1
    assert grew(vuce0, vuce2, "vuce_contingency_switches_total", source="api") >= 2
    assert value(vuce2, "vuce_contingency_active") == 0
    assert (
        grew(
            vuce0, vuce2, "vuce_http_request_duration_seconds_count", endpoint="component_callback"
        )
        >= 2
    )
