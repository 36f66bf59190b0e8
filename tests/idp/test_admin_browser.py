"""Chromium drives the SOL portal: a principal creates a user through the whole wizard,
assigns the VUCE profile and roles, suspends, reactivates and deletes it, and the Historial
shows each step. Screenshots for the README go to docs/screenshots/."""

import pytest

from idp.domain import messages
from tests.support.screens import SHOTS

RUC = "20123456786"


def change_status(page, username, action, confirmations):
    page.check(f"input[name=cambio][value='{username}:{action}']")
    page.get_by_role("button", name="Cambiar Estado").click()
    for text in confirmations:
        assert text in page.locator("[role=alertdialog]").inner_text()
        page.get_by_role("button", name="Aceptar").click()
    assert messages.STATUS_CHANGED in page.locator("[role=status]").inner_text()


@pytest.mark.browser
def test_principal_manages_a_secondary_user_in_chromium(idp, chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    idp.create_taxpayer(RUC, company_name="IMPORTADORA ANDINA S.A.C.")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            csp_errors = []
            page.on(
                "console",
                lambda m: (
                    csp_errors.append(m.text) if "Content Security Policy" in m.text else None
                ),
            )
            page.goto(f"{idp.url}/sol")
            assert messages.LOGIN_TITLE in page.content()
            page.fill("input[name=ruc]", RUC)
            page.fill("input[name=usuario]", "PRINCIPA")
            page.fill("input[name=clave]", "Clave123")
            page.get_by_role("button", name="Iniciar sesión").click()
            page.wait_for_url(f"{idp.url}/sol")
            page.get_by_role("link", name="Administración usuarios").first.click()
            assert messages.ADMIN_TITLE in page.locator("h1").inner_text()

            # Crear Usuario → Confirmación → Asignación de Perfiles → resumen → Grabar.
            page.get_by_role("link", name="Crear Usuario").click()
            page.select_option("#tipo_documento", "DNI")
            page.fill("#numero_documento", "45678901")
            page.fill("#email", "ana.quispe@andina.pe")
            page.fill("#usuario", "AQUISPE1")
            page.fill("#clave", "Clave123")
            page.fill("#clave_confirmacion", "Clave123")
            page.get_by_role("button", name="Siguiente").click()
            assert messages.CONFIRM_DATA_TITLE in page.locator("h1").inner_text()
            page.get_by_role("button", name="Asignar Perfiles").click()
            assert messages.PROFILES_ASSIGNMENT_TITLE in page.locator("h1").inner_text()
            assert "Mis trámites aduaneros" in page.locator(".panel.left").inner_text()
            page.check("input[name=opcion][value='ADUANAS.VUCE']")
            page.screenshot(path=str(SHOTS / "sol-asignacion-perfiles.png"), full_page=True)
            page.get_by_role("button", name="Siguiente").click()
            assert "VUCE" in page.locator("table").last.inner_text()
            page.get_by_role("button", name="Grabar").click()
            assert messages.SECONDARY_USER_CREATED in page.locator("[role=status]").inner_text()
            page.get_by_role("link", name="Aceptar").click()
            row_a = page.locator("#area-a tr[data-usuario=AQUISPE1]")
            assert "ADUANAS.VUCE" in row_a.inner_text()
            assert "Activo" in row_a.inner_text()

            # Asignar Roles: OPERACION + SUPERVISOR.
            row_a.get_by_role("link", name="Asignar Roles").click()
            page.check("input[name=rol][value='VUCE.USUARIO.OPERACION']")
            page.check("input[name=rol][value='VUCE.USUARIO.SUPERVISOR']")
            page.get_by_role("button", name="Asignar").click()
            assert messages.ROLES_ASSIGNED in page.locator("[role=status]").inner_text()
            assert (
                "VUCE.USUARIO.SUPERVISOR"
                in page.locator("#area-a tr[data-usuario=AQUISPE1]").inner_text()
            )
            page.screenshot(path=str(SHOTS / "sol-administracion-usuarios.png"), full_page=True)

            # Suspender, Reactivar, Eliminar (two confirmations, the second one verbatim).
            change_status(page, "AQUISPE1", "suspend", ["AQUISPE1 a Suspendido"])
            assert page.locator("#area-a tr[data-usuario=AQUISPE1] a").count() == 0
            change_status(page, "AQUISPE1", "reactivate", ["AQUISPE1 a Activo"])
            change_status(
                page, "AQUISPE1", "delete", ["AQUISPE1 a Eliminado", messages.DELETE_IRREVERSIBLE]
            )
            row_b = page.locator("#area-b tr[data-usuario=AQUISPE1]")
            assert "Eliminado" in row_b.inner_text()
            assert row_b.locator("input").count() == 0  # no action on a deleted user

            # Historial: each step, newest first.
            page.get_by_role("link", name="Historial").first.click()
            rows = page.locator("#historial tbody tr")
            actions = [rows.nth(i).get_attribute("data-action") for i in range(rows.count())]
            assert actions[:5] == [
                "STATUS_CHANGED",
                "STATUS_CHANGED",
                "STATUS_CHANGED",
                "ROLES_CHANGED",
                "USER_CREATED",
            ]
            text = page.locator("#historial").inner_text()
            for label in (
                "Creación de usuario secundario",
                "Asignación de roles",
                "Modificación de estado",
                "SUSPENDIDO",
                "ELIMINADO",
                "Usuario Principal",
                "127.0.0.1",
            ):
                assert label in text, label
            page.screenshot(path=str(SHOTS / "sol-historial.png"), full_page=True)
            assert not csp_errors, csp_errors
        finally:
            browser.close()


@pytest.mark.browser
def test_operator_changes_the_state_of_an_extranet_official_in_chromium(idp, chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    idp.create_extranet_user("EXT0001", names="TORRES VEGA, CARLOS", entity="DIGESA")
    idp.create_extranet_user("EXT0002", names="ROJAS PAREDES, LUCÍA", entity="SENASA")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(f"{idp.url}/sol/extranet")
            assert messages.EXTRANET_ADMIN_TITLE in page.locator("h1").inner_text()
            page.fill("#token", "no-es-el-token")
            page.get_by_role("button", name="Ingresar").click()
            assert messages.OPERATOR_TOKEN_WRONG in page.locator("[role=alert]").inner_text()
            page.fill("#token", idp.admin_token)
            page.get_by_role("button", name="Ingresar").click()
            row = page.locator("#area-extranet tr[data-usuario=EXT0001]")
            assert "DIGESA" in row.inner_text() and "Activo" in row.inner_text()

            change_status(page, "EXT0001", "suspend", ["EXT0001 a Suspendido"])
            assert "Suspendido" in row.inner_text()
            page.get_by_role("link", name="Aceptar").click()
            page.screenshot(path=str(SHOTS / "sol-usuarios-extranet.png"), full_page=True)
            change_status(
                page, "EXT0001", "delete", ["EXT0001 a Eliminado", messages.DELETE_IRREVERSIBLE]
            )
            assert "Eliminado" in row.inner_text()
            assert row.locator("input").count() == 0
            assert "Activo" in page.locator("tr[data-usuario=EXT0002]").inner_text()

            page.get_by_role("button", name="Cerrar sesión").click()
            assert page.locator("#token").count() == 1
        finally:
            browser.close()
