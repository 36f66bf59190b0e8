"""Chromium walks the first-login registration with the ubigeo cascade (JS path)."""

from __future__ import annotations

import pytest

from vuce_client.domain import messages

RUC = "20123456786"
OP = "VUCE.USUARIO.OPERACION"
VUCE_RED = "rgb(139, 0, 0)"
WHITE = "rgb(255, 255, 255)"
STYLE = (
    "e => { const s = getComputedStyle(e); return {bg: s.backgroundColor, color: s.color,"
    " border: s.borderTopColor, weight: s.fontWeight, padding: s.paddingTop,"
    " cursor: s.cursor, font: s.fontFamily}; }"
)


def style(page, selector):
    return page.eval_on_selector(selector, STYLE)


@pytest.mark.browser
def test_first_login_registration_with_ubigeo_cascade(idp, vuce, chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    idp.create_taxpayer(RUC, company_name="EXPORTADORA DEL SUR S.A.")
    idp.create_user(RUC, "OPERADO1", roles=(OP,))
    vuce.import_account(
        user_type="principal",
        ruc=RUC,
        sol_username="PRINCIPA",
        last_roles=[],
        registered_as="EMPRESA",
    )
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{vuce.url}/login")
            # The look of VUCE's buttons: the login's "Importador/Exportador" and "Funcionario".
            primary = style(page, "a.button:not(.secondary)")
            secondary = style(page, "a.button.secondary")
            assert primary["bg"] == VUCE_RED and primary["color"] == WHITE
            assert secondary["bg"] == WHITE and secondary["color"] == VUCE_RED
            page.get_by_text("Importador/Exportador (Clave SOL)").first.click()
            page.fill("input[name=ruc]", RUC)
            page.fill("input[name=usuario]", "OPERADO1")
            page.fill("input[name=clave]", "Clave123")
            page.locator("form button[type=submit], form input[type=submit]").first.click()
            page.wait_for_url(f"{vuce.url}/registro")
            assert "EXPORTADORA DEL SUR S.A." in page.content()
            # the no-JS reload button is hidden when JS runs
            assert not page.locator("button.no-js-only").first.is_visible()
            page.fill("#names", "CONDORI HUAMAN LUIS")
            page.select_option("#department", "15")
            page.wait_for_selector("#province option[value='1501']", state="attached")
            page.select_option("#province", "1501")
            page.wait_for_selector("#ubigeo option[value='150101']", state="attached")
            page.select_option("#ubigeo", "150101")
            page.fill("#address", "JR. DE LA UNION 456")
            page.fill("#email", "luis@example.com")
            page.check("#notifications_consent")
            page.check("#accept_terms")
            # "Grabar" and the ubigeo fieldset with its legend look like the rest of VUCE.
            assert style(page, "#register-submit") == primary
            legend = page.locator("fieldset.ubigeo > legend")
            assert legend.inner_text() == "Ubigeo"
            assert style(page, "fieldset.ubigeo > legend")["color"] == VUCE_RED
            assert style(page, "fieldset.ubigeo")["border"] == "rgb(221, 221, 221)"
            page.click("#register-submit")
            assert page.locator("#registration-done").inner_text() == messages.REGISTRATION_DONE
            page.click("#enter-vuce")
            page.wait_for_url(f"{vuce.url}/mr/")
            assert page.locator("#user-name").inner_text() == "CONDORI HUAMAN LUIS"
            # "Registrar" and "Cerrar sesión" too (no browser-default grey buttons left).
            assert style(page, "#file-submit") == primary
            assert style(page, "#logout") == secondary
            assert page.locator("#file-form fieldset > legend").inner_text() == "Nuevo trámite"
            assert not [e for e in errors if "Content Security Policy" in e]
        finally:
            browser.close()
    with vuce.ctx():
        from vuce_client.services import accounts

        account = accounts.get_by_key(f"sol:{RUC}:OPERADO1")
        assert account.ubigeo == "150101" and account.notifications_consent
