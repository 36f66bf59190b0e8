"""The SOL portal screens driven by a scripted browser (no JavaScript needed anywhere)."""

import re
from urllib.parse import urljoin

import pytest

from idp.web.login import safe_next
from tests.support.agent import Agent, forms

RUC = "20123456786"
OTHER_RUC = "20600000013"


def form_index(resp, action: str) -> int:
    for i, form in enumerate(forms(resp.text)):
        if action in form["action"]:
            return i
    raise AssertionError(f"no form posting to {action}: {resp.text[:2000]}")


def submit(agent, resp, action, data=None, **kw):
    return agent.submit(resp, data, form_index=form_index(resp, action), **kw)


def portal_login(idp, ruc=RUC, usuario="PRINCIPA", clave="Clave123", path="/sol"):
    agent = Agent()
    page = agent.get(idp.url + path)
    assert "/login?challenge=" in page.url, page.url
    resp = submit(agent, page, "/login", {"ruc": ruc, "usuario": usuario, "clave": clave})
    return agent, resp


@pytest.fixture
def company(idp):
    idp.create_taxpayer(RUC)
    return RUC


def test_portal_login_without_an_authorization_request(idp, company):
    agent, menu = portal_login(idp)
    assert menu.status_code == 200
    assert menu.url == idp.url + "/sol"
    assert "Trámites, Consultas, Declaraciones Informativas" in menu.text
    assert "Administración usuarios" in menu.text
    # Coming back later: still logged in, no login page.
    assert agent.get(idp.url + "/sol/usuarios").status_code == 200
    # "Cerrar sesión" ends the SSO session.
    out = submit(agent, menu, "/sol/salir")
    assert out.status_code == 200
    assert "/login?challenge=" in agent.get(idp.url + "/sol").url


def test_portal_login_returns_to_the_requested_page(idp, company):
    _, page = portal_login(idp, path="/sol/historial")
    assert page.url == idp.url + "/sol/historial"


def test_wrong_clave_on_the_portal_login(idp, company):
    agent = Agent()
    page = agent.get(idp.url + "/sol")
    resp = submit(agent, page, "/login", {"ruc": RUC, "usuario": "PRINCIPA", "clave": "Mala1234"})
    assert resp.status_code == 401
    assert "no son correctos" in resp.text


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil",
        "javascript:alert(1)",
        "sol",
        "",
        None,
        "/ok\r\nX: y",
        "http:/sol",
    ],
)
def test_next_is_always_a_local_path(value):
    assert safe_next(value) == "/sol"


def test_next_keeps_local_paths():
    assert safe_next("/sol/historial?page=2") == "/sol/historial?page=2"


def test_portal_challenge_cannot_be_used_for_consent(idp, company):
    agent, _ = portal_login(idp)
    page = agent.get(idp.url + "/sol/historial")
    assert page.status_code == 200
    fresh = Agent()
    login_page = fresh.get(idp.url + "/sol")
    challenge = re.search(r"challenge=([\w-]+)", login_page.url).group(1)
    assert agent.get(idp.url + f"/consent?challenge={challenge}").status_code == 400


def test_whole_wizard_roles_states_and_history(idp, company):
    agent, menu = portal_login(idp)
    users = agent.get(idp.url + "/sol/usuarios")
    assert "Modificación de Perfiles de Usuarios Secundarios" in users.text
    assert "Modificación de Estados de Usuarios Secundarios" in users.text
    form = agent.get(idp.url + "/sol/usuarios/crear")
    bad = submit(
        agent,
        form,
        "/sol/usuarios/crear",
        {
            "tipo_documento": "CE",
            "numero_documento": "001234567",
            "usuario": "NUEVO001",
            "clave": "Clave123",
            "clave_confirmacion": "Clave123",
        },
    )
    assert bad.status_code == 422 and "Apellidos y Nombres" in bad.text
    bad = submit(
        agent,
        form,
        "/sol/usuarios/crear",
        {
            "tipo_documento": "DNI",
            "numero_documento": "45678901",
            "usuario": "NUEVO001",
            "clave": "Clave123",
            "clave_confirmacion": "Clave124",
        },
    )
    assert "La confirmación no coincide" in bad.text
    confirm = submit(
        agent,
        form,
        "/sol/usuarios/crear",
        {
            "tipo_documento": "DNI",
            "numero_documento": "45678901",
            "usuario": "nuevo001",
            "email": "ana@andina.pe",
            "clave": "Clave123",
            "clave_confirmacion": "Clave123",
        },
    )
    assert "Confirmación de datos del Usuario Secundario" in confirm.text
    assert "NUEVO001" in confirm.text and "Clave123" not in confirm.text
    assert "Clave123" not in str(agent.http.cookies.get_dict())
    panels = submit(agent, confirm, "/confirmacion")
    assert "Asignación de Perfiles" in panels.text
    assert "Mis trámites aduaneros" in panels.text and "VUCE" in panels.text
    # Switch to another profile group and tick Drawback Web: the VUCE tick survives.
    other = agent.submit(panels, {"grupo": "2"}, form_index=form_index(panels, "/perfiles"))
    assert "Drawback Web" in other.text
    summary = agent.submit(
        other,
        {"opcion": "OCE.DRAWBACK_WEB", "accion": "siguiente"},
        form_index=form_index(other, "/perfiles"),
    )
    assert "Grabar" in summary.text
    assert "VUCE" in summary.text and "Drawback Web" in summary.text
    saved = submit(agent, summary, "/resumen")
    assert saved.url == idp.url + "/sol/usuarios"
    assert (
        "El usuario secundario y sus perfiles han sido registrados satisfactoriamente."
        in saved.text
    )
    assert "ADUANAS.VUCE, OCE.DRAWBACK_WEB" in saved.text

    roles = agent.get(idp.url + "/sol/usuarios/NUEVO001/roles")
    done = agent.submit(
        roles, {"rol": "VUCE.USUARIO.OPERACION"}, form_index=form_index(roles, "/roles")
    )
    assert "Se ha asignado los roles correctamente al usuario" in done.text

    ask = agent.get(idp.url + "/sol/estado?cambio=NUEVO001:suspend")
    assert "¿Confirma el cambio de estado del usuario NUEVO001 a Suspendido?" in ask.text
    done = submit(agent, ask, "/sol/estado")
    assert "Modificación de Estado(s) realizado(s) satisfactoriamente" in done.text
    assert "Modificar Perfiles" not in done.text  # hidden while Suspendido

    ask = agent.get(idp.url + "/sol/estado?cambio=NUEVO001:reactivate")
    submit(agent, ask, "/sol/estado")
    ask = agent.get(idp.url + "/sol/estado?cambio=NUEVO001:delete")
    second = submit(agent, ask, "/sol/estado")
    assert "La eliminación no se puede revertir. Está seguro?" in second.text
    done = submit(agent, second, "/sol/estado")
    assert "Modificación de Estado(s) realizado(s) satisfactoriamente" in done.text
    assert "Eliminado" in done.text
    assert 'value="NUEVO001:' not in done.text  # no action left on a deleted user

    history = agent.get(idp.url + "/sol/historial")
    actions = re.findall(r'data-action="(\w+)"', history.text)
    assert actions[:5] == [
        "STATUS_CHANGED",
        "STATUS_CHANGED",
        "STATUS_CHANGED",
        "ROLES_CHANGED",
        "USER_CREATED",
    ]
    assert "Usuario Principal" in history.text and "127.0.0.1" in history.text


def test_deleting_needs_both_confirmations(idp, company):
    idp.create_user(RUC, "OPERADO1")
    agent, _ = portal_login(idp)
    ask = agent.get(idp.url + "/sol/estado?cambio=OPERADO1:delete")
    # Skipping the first confirmation (posting step 2 directly) is refused.
    resp = agent.submit(ask, {"paso": "2"}, form_index=form_index(ask, "/sol/estado"))
    assert resp.status_code == 400
    with idp.app.app_context():
        from idp.services import directory

        assert directory.get_secondary_user(RUC, "OPERADO1").status == "ACTIVO"


def test_invalid_transition_is_explained(idp, company):
    idp.create_user(RUC, "OPERADO1")
    agent, _ = portal_login(idp)
    resp = agent.get(idp.url + "/sol/estado?cambio=OPERADO1:reactivate")
    assert resp.url == idp.url + "/sol/usuarios"
    assert "No es posible" in resp.text


def test_profile_change_with_delay_shows_the_one_hour_message(idp, company):
    idp.create_user(RUC, "OPERADO1")
    agent, _ = portal_login(idp)
    idp.app.config["PROFILE_DELAY_SECONDS"] = 3600
    try:
        panels = agent.get(idp.url + "/sol/usuarios/OPERADO1/perfiles")
        assert "checked" in panels.text
        summary = agent.submit(
            panels,
            {"opcion": [], "accion": "siguiente"},
            form_index=form_index(panels, "/perfiles"),
        )
        assert "aproximadamente una hora" in summary.text
        saved = submit(agent, summary, "/resumen")
    finally:
        idp.app.config["PROFILE_DELAY_SECONDS"] = 0
    assert (
        "El Usuario Secundario y sus Perfiles han sido registrados satisfactoriamente. "
        "Usted Podrá utilizarlos en aproximadamente una hora"
    ) in saved.text
    assert "cambio pendiente" in saved.text


def test_principal_sees_only_its_own_ruc(idp, company):
    idp.create_taxpayer(OTHER_RUC, principal_username="OTROPRIN")
    idp.create_user(OTHER_RUC, "AJENO001")
    agent, _ = portal_login(idp)
    assert "AJENO001" not in agent.get(idp.url + "/sol/usuarios?q=AJENO").text
    for path in (
        "/sol/usuarios/AJENO001/roles",
        "/sol/usuarios/AJENO001/perfiles",
        "/sol/estado?cambio=AJENO001:suspend",
    ):
        assert agent.get(idp.url + path).status_code == 404, path


def test_wizard_of_another_session_is_expired(idp, company):
    agent, _ = portal_login(idp)
    form = agent.get(idp.url + "/sol/usuarios/crear")
    confirm = submit(
        agent,
        form,
        "/sol/usuarios/crear",
        {
            "tipo_documento": "DNI",
            "numero_documento": "45678901",
            "usuario": "NUEVO001",
            "clave": "Clave123",
            "clave_confirmacion": "Clave123",
        },
    )
    other, _ = portal_login(idp)
    stolen = other.get(confirm.url)
    assert stolen.url == idp.url + "/sol/usuarios"
    assert "expiró" in stolen.text


def test_secondary_user_cannot_administer_and_changes_its_clave(idp, company):
    idp.create_user(RUC, "OPERADO1")
    agent, menu = portal_login(idp, usuario="OPERADO1")
    assert "debe cambiar la Clave" in menu.text
    assert "Administración usuarios" not in menu.text
    for path in (
        "/sol/usuarios",
        "/sol/usuarios/crear",
        "/sol/historial",
        "/sol/usuarios/OPERADO1/roles",
        "/sol/estado?cambio=OPERADO1:delete",
    ):
        assert agent.get(idp.url + path).status_code == 403, path
    page = agent.get(idp.url + "/sol/clave")
    assert "Cambio de Clave SOL" in page.text
    wrong = submit(
        agent,
        page,
        "/sol/clave",
        {"clave_anterior": "Mala1234", "nueva_clave": "Nueva123", "confirmar_clave": "Nueva123"},
    )
    assert wrong.status_code == 422 and "La clave anterior no es correcta." in wrong.text
    done = submit(
        agent,
        page,
        "/sol/clave",
        {"clave_anterior": "Clave123", "nueva_clave": "Nueva123", "confirmar_clave": "Nueva123"},
    )
    assert "Su clave ha sido cambiada satisfactoriamente." in done.text
    assert "debe cambiar la Clave" not in done.text
    portal_login(idp, usuario="OPERADO1", clave="Nueva123")


def test_principal_has_no_cambiar_clave_screen(idp, company):
    agent, _ = portal_login(idp)
    assert agent.get(idp.url + "/sol/clave").status_code == 404


def test_forms_need_the_csrf_token(idp, company):
    idp.create_user(RUC, "OPERADO1")
    agent, _ = portal_login(idp)
    resp = agent.http.post(
        urljoin(idp.url, "/sol/usuarios/OPERADO1/roles"),
        data={"rol": "VUCE.USUARIO.SUPERVISOR"},
        timeout=5,
    )
    assert resp.status_code == 400
    resp = agent.http.post(
        urljoin(idp.url, "/sol/estado"), data={"cambio": "OPERADO1:suspend", "paso": "1"}, timeout=5
    )
    assert resp.status_code == 400


def test_listing_paginates_and_searches(idp, company):
    from tests.support.sol_api import bulk_users

    bulk_users(idp, RUC, 45)
    agent, _ = portal_login(idp)
    page = agent.get(idp.url + "/sol/usuarios?page=3")
    assert "Página 3 de 3 (45 usuarios)" in page.text
    assert page.text.count('data-usuario="U00000') == 10  # 5 rows in each area
    found = agent.get(idp.url + "/sol/usuarios?q=U0000044")
    assert found.text.count('data-usuario="U0000044"') == 2
