"""The RP console in a browser (issue 15): the operator opens it with the admin token, picks
VUCE's MR client, arms an RP test bench fault, logs in to VUCE (which refuses the bad ID
token), and sees the token event with the fault's name, its kid and decoded claims; then
clears the fault. The README's screenshot of the console comes from here."""

from __future__ import annotations

import pytest

from launcher.demo import IMPORTER

from .conftest import shot, vuce_login

pytestmark = pytest.mark.browser

FAULT = "id_token_wrong_audience"


def test_arm_a_fault_log_in_and_see_the_event(page, stack, browser):
    page.goto(f"{stack.idp}/sol/consola-rp")
    page.fill("#token", stack.idp_admin_token)
    page.click("#consola-ingresar")
    page.select_option("#cliente", "vuce-mr")
    page.click("#consola-ver")
    page.wait_for_selector("#armar")
    page.select_option("#falla", FAULT)
    page.click("#falla-armar")
    page.wait_for_selector(f"#fallas tr[data-falla='{FAULT}']")

    # the relying party's developer logs in, in another browser profile
    rp_context = browser.new_context(locale="es-PE")
    rp = rp_context.new_page()
    try:
        vuce_login(rp, stack, IMPORTER, "OPERADOR")
        rp.wait_for_url(f"{stack.vuce}/mr/callback**")
        assert "wrong_audience" in rp.content() or rp.locator("h1").count() >= 1
        assert rp.locator("#logout").count() == 0  # VUCE refused the token
    finally:
        rp_context.close()

    page.goto(f"{stack.idp}/sol/consola-rp?cliente=vuce-mr")
    event = page.locator(f"#eventos tbody.evento[data-falla='{FAULT}']").first
    assert event.locator(".falla").inner_text().startswith(FAULT)
    assert event.locator(".kid").inner_text() not in ("", "—")
    event.locator("summary").click()
    assert '"aud"' in event.inner_text() and "OPERADOR" not in stack.idp_admin_token
    assert page.locator("#fallas tr[data-falla]").count() == 0  # used once: disarmed
    shot(page, "consola-rp")
    assert not page.console_errors
