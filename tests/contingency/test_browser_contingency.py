"""Chromium walks the contingency story as a person would: SOL goes down, VUCE switches by
itself, the form (offline "No soy un robot" widget), the e-mail in the development inbox,
the link, the session marked "Ingreso por contingencia"; SOL comes back."""

from __future__ import annotations

import pytest

from tests.contingency.helpers import set_outage, wait_until
from tests.support.screens import SHOTS as SCREENSHOTS
from vuce_client.domain import messages
from webcommon.captcha import OfflineVerifier


@pytest.mark.browser
def test_contingency_story_in_chromium(idp, cvuce, smtp_sink, chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    vuce = cvuce
    vuce.import_account(sol_username="OPERADO1", email="ana@example.pe")
    state = vuce.state
    saved = state.captcha
    state.captcha = OfflineVerifier(vuce.app.config["SECRET_KEY"], state.store)  # the default
    inbox = smtp_sink.serve_inbox(port=0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        set_outage(idp, "down")
        wait_until(lambda: vuce.api("GET").json()["active"], what="auto contingency on")
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium_path,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            try:
                page = browser.new_page()
                page.goto(f"{vuce.url}/mr/login")
                assert messages.CONTINGENCY_BANNER in page.inner_text("#contingency-banner")
                page.fill("#sol-ruc", "20123456786")
                page.fill("#sol-usuario", "operado1")
                # Without ticking the box the browser itself refuses to send the form.
                page.click("#sol-submit")
                assert "/contingencia" in page.url and page.locator("#check-email").count() == 0
                page.check("#sol-captcha")
                page.screenshot(path=str(SCREENSHOTS / "contingency_form.png"), full_page=True)
                page.click("#sol-submit")
                page.wait_for_selector("#check-email")
                assert "Revise su correo" in page.inner_text("#check-email")
                assert vuce.send_mail()["sent"] == 1  # the mail-worker's pass

                page.goto(f"{inbox.url}/")
                page.click("text=VUCE - Acceso por contingencia")
                page.click("a[href*='/contingencia/enlace/']")
                page.wait_for_selector("#link-open")
                assert messages.CONTINGENCY_PROCEED in page.content()
                page.click("#link-open")
                page.wait_for_selector("#auth-method")
                assert page.inner_text("#auth-method") == "Ingreso por contingencia"
                assert page.url.startswith(f"{vuce.url}/mr")
                page.screenshot(path=str(SCREENSHOTS / "contingency_session.png"), full_page=True)

                # Back in the inbox, a second click on the same link is refused.
                page.go_back()
                page.go_back()
                page.click("a[href*='/contingencia/enlace/']")
                assert messages.CONTINGENCY_LINK_USED in page.inner_text("#link-message")

                # SOL comes back: the login is the normal one again.
                set_outage(idp, "none")
                wait_until(lambda: not vuce.api("GET").json()["active"], what="contingency off")
                page.goto(f"{vuce.url}/login")
                assert page.locator("#contingency-banner").count() == 0
                assert "Importador/Exportador (Clave SOL)" in page.content()
            finally:
                browser.close()
    finally:
        state.captcha = saved
        inbox.stop()
