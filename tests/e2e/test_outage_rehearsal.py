"""The README's outage rehearsal on the `vuce-sol up` stack: SOL down (simulation API), an
operator switches contingency on, an eligible demo user gets the one-time link in the
launcher's inbox (delivered by the real mail worker), a non-eligible one gets the same answer
and no mail; then everything is restored."""

from __future__ import annotations

import time

import pytest
import requests

from launcher.demo import IMPORTER

from .conftest import api, shot

pytestmark = pytest.mark.browser


def _vuce_contingency(stack, active: bool) -> None:
    r = requests.put(
        f"{stack.vuce}/api/v1/contingency",
        json={"active": active},
        timeout=10,
        headers={"Authorization": f"Bearer {stack.vuce_admin_token}"},
    )
    assert r.status_code == 200, r.text


def _mails(stack, to: str) -> list[dict]:
    return requests.get(f"{stack.inbox}/messages", params={"to": to}, timeout=10).json()


def _links(stack, to: str) -> list[str]:
    return [
        link for m in _mails(stack, to) for link in m["links"] if "/contingencia/enlace/" in link
    ]


def _request_link(page, stack, usuario: str) -> None:
    page.goto(f"{stack.vuce}/mr/login")
    page.wait_for_selector("#contingency-banner")
    page.fill("#sol-ruc", IMPORTER)
    page.fill("#sol-usuario", usuario)
    page.check("#sol-captcha")
    page.click("#sol-submit")
    page.wait_for_selector("#check-email")


def test_outage_rehearsal_with_the_demo_users(page, stack):
    assert api(stack, "PUT", "/api/v1/sim/outage", json={"mode": "down"}).status_code == 200
    try:
        assert (
            requests.get(f"{stack.idp}/.well-known/openid-configuration", timeout=10).status_code
            == 503
        )
        _vuce_contingency(stack, True)
        # The stack is shared by the e2e tests: an earlier story's link (void since its
        # contingency episode ended) must not be the one this story clicks in the inbox.
        assert requests.delete(f"{stack.inbox}/messages", timeout=10).status_code < 300

        _request_link(page, stack, "SUPERVIS")  # registered, but no consent: not eligible
        _request_link(page, stack, "OPERADOR")  # eligible
        deadline = time.monotonic() + 30
        while (
            not _links(stack, "operador@importadora-andina.com.pe") and time.monotonic() < deadline
        ):
            time.sleep(0.5)
        assert _links(stack, "operador@importadora-andina.com.pe"), (
            "the mail worker did not deliver the link to the sink"
        )
        assert not _links(stack, "supervisor@importadora-andina.com.pe")

        page.goto(f"{stack.inbox}/")
        page.click("text=VUCE - Acceso por contingencia")
        shot(page, "bandeja-correo")
        page.click("a[href*='/contingencia/enlace/']")
        page.wait_for_load_state()
        assert page.locator("#link-open").count() == 1, (  # else: say what the page shows
            f"{page.url}: {page.inner_text('body')[:500]}"
        )
        page.click("#link-open")
        page.wait_for_selector("#auth-method")
        assert page.inner_text("#auth-method") == "Ingreso por contingencia"
        assert page.url.startswith(f"{stack.vuce}/mr")
    finally:
        _vuce_contingency(stack, False)
        api(stack, "PUT", "/api/v1/sim/outage", json={"mode": "none"})
    time.sleep(1.1)  # the IdP caches the flag for up to a second
    assert (
        requests.get(f"{stack.idp}/.well-known/openid-configuration", timeout=10).status_code == 200
    )
    page.goto(f"{stack.vuce}/login")
    assert page.locator("#contingency-banner").count() == 0
