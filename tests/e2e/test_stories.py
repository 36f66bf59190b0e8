"""The stories of the manuals in chromium, on the stack `make run` starts, with its demo users.

Covered elsewhere in a browser (not repeated here): creating a secondary user with perfil and
roles, suspend / reactivate / delete (tests/idp/test_admin_browser.py), first VUCE login with
registration (tests/vuce_client/test_browser_registration.py), contingency with the e-mailed link
(tests/contingency/test_browser_contingency.py).
"""

from __future__ import annotations

import re

import pytest

from idp.domain import messages as sol_messages
from launcher.demo import AGENCY, EXPORTER, IMPORTER, LAB
from vuce_client.domain import messages

from .conftest import PASSWORD, shot, sol_form, vuce_login

pytestmark = pytest.mark.browser

AGENT = "VUCE.USUARIO.AGENTE_ADUANA"


def _fill_registration(page, names: str) -> None:
    """DATOS GENERALES USUARIO, ubigeo cascade (JS), e-mail, consent, Condiciones."""
    page.wait_for_load_state("load")  # the cascade's listeners are attached on DOMContentLoaded
    page.fill("#names", names)
    page.select_option("#department", "15")
    page.wait_for_selector("#province option[value='1501']", state="attached")
    page.select_option("#province", "1501")
    page.wait_for_selector("#ubigeo option[value='150101']", state="attached")
    page.select_option("#ubigeo", "150101")
    page.fill("#address", "AV. NICOLÁS DE PIÉROLA 1234")
    page.fill("#email", f"{names.split()[0].lower()}@example.com")
    page.check("#notifications_consent")
    page.check("#accept_terms")


# -- the five messages -------------------------------------------------------------------------
FIVE = [
    ("SINROLES", IMPORTER, "NO_ROLES", messages.MESSAGE_1.render()),
    ("AGENLAB1", IMPORTER, "AGENT_AND_LAB", messages.MESSAGE_2.render()),
    ("AGENSOPE", IMPORTER, "ROLE_WITHOUT_OPERACION", messages.MESSAGE_3.render(IMPORTER)),
    ("AGENTSUR", EXPORTER, "PRINCIPAL_NOT_REGISTERED", messages.MESSAGE_3.render(EXPORTER)),
    ("EXAGENTE", IMPORTER, "ROLE_REMOVED_WITH_TRAMITES", messages.MESSAGE_4.render(AGENT)),
    ("SUSPENDI", IMPORTER, "NOT_ACTIVE_SUSPENDED", messages.MESSAGE_5.render()),
    ("ELIMINAD", IMPORTER, "NOT_ACTIVE_DELETED", messages.MESSAGE_5.render()),
]


@pytest.mark.parametrize(
    ("usuario", "ruc", "reason", "text"), FIVE, ids=[f[2].lower() for f in FIVE]
)
def test_each_entry_message_with_its_demo_user(page, stack, usuario, ruc, reason, text):
    vuce_login(page, stack, ruc, usuario)
    page.wait_for_selector("#entry-message")
    assert page.url.startswith(stack.vuce)
    assert page.locator("#entry-reason").inner_text() == reason
    shown = page.locator("#entry-message").inner_text()
    if reason != "ROLE_WITHOUT_OPERACION":  # message 3 (b) shows the text of message 3 (Q2)
        assert shown == text
    else:
        assert shown.startswith("Usted no puede ingresar a la VUCE dado que el usuario principal")
    assert page.locator("#entry-solucion").inner_text().strip()
    number = re.search(r"mensaje N° (\d)", page.content()).group(1)
    shot(page, f"mensaje-{number}-{reason.lower().replace('_', '-')}")
    # no VUCE session was opened: the component runs the checks again and refuses again
    page.goto(f"{stack.vuce}/mr/")
    page.wait_for_selector("#entry-message")
    assert page.locator("#logout").count() == 0


def test_without_the_vuce_profile_sol_refuses(page, stack):
    vuce_login(page, stack, IMPORTER, "SINPERFI")
    page.wait_for_url(f"{stack.vuce}/**")
    assert "Mis trámites aduaneros / VUCE" in page.locator("#profile-missing").inner_text()


# -- registration of a customs agent and of a laboratory ---------------------------------------
def test_agent_registers_naming_a_customs_agency(page, stack):
    vuce_login(page, stack, IMPORTER, "AGENTE01")
    page.wait_for_url(f"{stack.vuce}/registro")
    assert page.locator("#section-title").inner_text() == messages.REGISTRATION_AGENT_SECTION
    # a laboratory is not a customs agent: refused by the padrón
    page.fill("#linked_ruc", LAB)
    page.get_by_role("button", name="Validar RUC").click()
    assert page.locator("#linked-data").count() == 0
    page.fill("#linked_ruc", AGENCY)
    page.get_by_role("button", name="Validar RUC").click()
    assert page.locator("#linked-name").inner_text() == "AGENCIA DE ADUANAS PACÍFICO S.A.C."
    assert "CALLAO" in page.locator("#linked-address").inner_text()
    _fill_registration(page, "VARGAS LLOSA JORGE")
    shot(page, "registro-agente-aduana")
    page.click("#register-submit")
    assert page.locator("#registration-done").inner_text() == messages.REGISTRATION_DONE
    page.click("#enter-vuce")
    page.wait_for_url(f"{stack.vuce}/mr/")
    assert page.locator("#user-name").inner_text() == "VARGAS LLOSA JORGE"


def test_laboratory_user_registers_naming_an_itp_laboratory(page, stack):
    vuce_login(page, stack, IMPORTER, "LABORA01", component="ga")
    page.wait_for_url(f"{stack.vuce}/registro")
    assert page.locator("#section-title").inner_text() == messages.REGISTRATION_LAB_SECTION
    page.fill("#linked_ruc", AGENCY)  # an agency is not in the ITP registry
    page.get_by_role("button", name="Validar RUC").click()
    assert page.locator("#linked-data").count() == 0
    page.fill("#linked_ruc", LAB)
    page.get_by_role("button", name="Validar RUC").click()
    assert page.locator("#linked-name").inner_text() == "LABORATORIO ANALÍTICO DEL PERÚ S.A.C."
    _fill_registration(page, "SMITH JOHN")
    shot(page, "registro-laboratorio")
    page.click("#register-submit")
    assert page.locator("#registration-done").inner_text() == messages.REGISTRATION_DONE


# -- SSO into a second component, then logout everywhere ---------------------------------------
def test_sso_into_a_second_component_and_logout_everywhere(page, stack):
    page.goto(f"{stack.vuce}/login")
    assert "Funcionario (Extranet)" in page.content()
    shot(page, "vuce-login")
    page.locator("a[href='/mr/login']").click()
    page.wait_for_url(f"{stack.idp}/**")
    page.fill("input[name=ruc]", IMPORTER)
    page.fill("input[name=usuario]", "OPERADOR")
    shot(page, "sol-login")
    page.fill("input[name=clave]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{stack.vuce}/mr/")
    shot(page, "componente-mr")
    assert "Mercancías Restringidas" in page.content()

    # Origen: SSO, no clave asked
    page.goto(f"{stack.vuce}/origen/login")
    page.wait_for_url(f"{stack.vuce}/origen/")
    assert "Origen" in page.locator("h1").first.inner_text() or "Origen" in page.content()
    shot(page, "sso-segundo-componente")

    # Gestión de Autorizaciones too
    page.goto(f"{stack.vuce}/ga/login")
    page.wait_for_url(f"{stack.vuce}/ga/")

    # "Cerrar sesión" in Origen ends SOL's session and, by back-channel, every component's
    page.goto(f"{stack.vuce}/origen/")
    page.click("#logout")
    page.wait_for_selector("#logged-out")
    shot(page, "logout")
    for component in ("mr", "origen", "ga"):  # each sends the browser to SOL's login again
        page.goto(f"{stack.vuce}/{component}/")
        page.wait_for_url(f"{stack.idp}/**")
        assert page.locator("input[name=clave]").count() == 1, component
    # and SOL asks for the clave again
    page.goto(f"{stack.vuce}/mr/login")
    page.wait_for_url(f"{stack.idp}/**")
    assert page.locator("input[name=clave]").count() == 1


# -- a secondary user changes its clave --------------------------------------------------------
def test_secondary_user_changes_the_clave_then_enters_vuce_with_it(page, stack, browser):
    page.goto(f"{stack.idp}/sol")
    assert sol_messages.LOGIN_TITLE in page.content()
    sol_form(page, IMPORTER, "SUPERVIS")
    page.wait_for_url(f"{stack.idp}/sol")
    page.get_by_role("link", name="Cambiar Clave").first.click()
    page.fill("#clave_anterior", PASSWORD)
    page.fill("#nueva_clave", "Nueva2025")
    page.fill("#confirmar_clave", "Nueva2026")  # confirmation differs: refused
    page.get_by_role("button", name="Aceptar").click()
    assert page.locator("[role=alert]").count() == 1
    page.fill("#clave_anterior", PASSWORD)
    page.fill("#nueva_clave", "Nueva2025")
    page.fill("#confirmar_clave", "Nueva2025")
    shot(page, "cambiar-clave")
    page.get_by_role("button", name="Aceptar").click()
    assert sol_messages.PASSWORD_CHANGED in page.locator("[role=status]").first.inner_text()

    other = browser.new_context().new_page()  # another browser: no SSO session
    try:
        vuce_login(other, stack, IMPORTER, "SUPERVIS", PASSWORD)  # the old clave
        assert other.url.startswith(stack.idp)
        assert other.locator("input[name=clave]").count() == 1
        sol_form(other, IMPORTER, "SUPERVIS", "Nueva2025")
        other.wait_for_url(f"{stack.vuce}/mr/")
    finally:
        other.context.close()


# -- an Extranet official ----------------------------------------------------------------------
def test_extranet_official_enters_vuce(page, stack):
    page.goto(f"{stack.vuce}/login")
    page.locator("a[href='/mr/login?tipo=extranet']").click()
    page.wait_for_url(f"{stack.idp}/**")
    page.fill("input[name=usuario]", "EXT0001")
    page.fill("input[name=clave]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{stack.vuce}/mr/")
    assert "TORRES VEGA" in page.content()


# -- a trámite filed, evaluated by the entity, and read in the buzón ----------------------------
def test_tramite_evaluated_by_the_entity_reaches_the_buzon(page, stack, browser):
    """OPERADOR files a SUCE for DIGESA; EXT0001 (DIGESA) observes it, then approves it; OPERADOR
    sees the state, the unread entries per component, and opens one (read from then on)."""
    subject = "Importación de conservas de pescado (evaluación)"
    vuce_login(page, stack, IMPORTER, "OPERADOR")
    page.wait_for_url(f"{stack.vuce}/mr/")
    page.select_option("#kind", "SUCE")
    assert page.locator("#entity").input_value() == "DIGESA"
    page.fill("#subject", subject)
    shot(page, "registrar-tramite")
    page.get_by_role("button", name="Registrar").click()
    number = page.locator("#filed").inner_text().split()[1]

    official = browser.new_context(viewport={"width": 1200, "height": 860}).new_page()
    try:
        official.goto(f"{stack.vuce}/mr/login?tipo=extranet")
        official.wait_for_url(f"{stack.idp}/**")
        official.fill("input[name=usuario]", "EXT0001")
        official.fill("input[name=clave]", PASSWORD)
        official.locator("form button[type=submit]").first.click()
        official.wait_for_url(f"{stack.vuce}/mr/")
        assert "Trámites de la entidad DIGESA" in official.locator("#entity-title").inner_text()
        row = official.locator(f"tr[data-numero='{number}']")
        for state, reason in (
            ("EN_EVALUACION", ""),
            ("OBSERVADO", "Adjunte el certificado sanitario del lote."),
            ("EN_EVALUACION", ""),
        ):
            row.locator("select[name=estado]").select_option(state)
            row.locator("input[name=motivo]").fill(reason)
            row.get_by_role("button", name="Grabar").click()
            assert number in official.locator("#moved").inner_text()
        row.locator("select[name=estado]").select_option("APROBADO")
        shot(official, "evaluacion-extranet")
        row.get_by_role("button", name="Grabar").click()
        assert "Aprobado" in row.locator(".state").inner_text()
    finally:
        official.context.close()

    page.goto(f"{stack.vuce}/mr/")
    assert "Aprobado" in page.content()
    assert int(page.locator("#unread-count").inner_text()) >= 5
    page.click("#buzon-link")
    mr = page.locator("#buzones li[data-componente=MR] .badge")
    unread = int(mr.inner_text())
    assert page.locator("#buzon tr.unread").count() == unread
    shot(page, "buzon")
    page.locator("#buzon tr.unread a", has_text=f"{number}: Observado").click()
    assert (
        "Motivo: Adjunte el certificado sanitario del lote."
        in page.locator("#entry-body").inner_text()
    )
    shot(page, "buzon-entrada")
    page.click("#back-to-buzon")
    assert int(page.locator("#buzones li[data-componente=MR] .badge").inner_text()) == unread - 1
