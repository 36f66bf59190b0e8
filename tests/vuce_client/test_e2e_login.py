"""End to end through the real IdP: the five messages, registration, SSO, logout everywhere."""

from __future__ import annotations

import html

import pytest
import requests

from tests.support.agent import Agent
from vuce_client.domain import messages

from .conftest import PASSWORD, register_form, sol_login, text_of

RUC = "20123456786"
AGENCY_RUC = "20100047218"
OP = "VUCE.USUARIO.OPERACION"
SUP = "VUCE.USUARIO.SUPERVISOR"
AGENT = "VUCE.USUARIO.AGENTE_ADUANA"
LAB = "VUCE.USUARIO.LABORATORIO"


def _message(page) -> tuple[str | None, str | None]:
    return (
        html.unescape(text_of(page.text, "entry-message") or ""),
        text_of(page.text, "entry-reason"),
    )


def _no_session(agent, vuce):
    page = agent.get(f"{vuce.url}/mr/", stop_prefix="http://127.0.0.1")
    # no session: the component sends the browser to its login
    assert hasattr(page, "location") and "/mr/login" in page.location


def _import_principal(vuce, ruc=RUC):
    r = vuce.import_account(
        user_type="principal",
        ruc=ruc,
        sol_username="PRINCIPA",
        names="REPRESENTANTE",
        email="rep@example.com",
        notifications_consent=True,
        last_roles=[],
        last_status="ACTIVO",
        registered_as="EMPRESA",
    )
    assert r.status_code in (200, 201), r.text


def test_message_1_no_roles(idp, vuce):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "USUARIO1", roles=())
    agent = Agent()
    page = sol_login(agent, vuce, "MR", RUC, "USUARIO1")
    assert page.status_code == 403
    assert _message(page) == (messages.MESSAGE_1.text, "NO_ROLES")
    assert messages.MESSAGE_1.soluciones[0] in html.unescape(page.text)
    _no_session(agent, vuce)


def test_message_2_agent_and_lab(idp, vuce):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "USUARIO2", roles=(AGENT, LAB, OP))
    page = sol_login(Agent(), vuce, "MR", RUC, "USUARIO2")
    assert _message(page) == (messages.MESSAGE_2.text, "AGENT_AND_LAB")


def test_message_3_principal_not_registered(idp, vuce):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "USUARIO3", roles=(AGENT, OP))
    agent = Agent()
    page = sol_login(agent, vuce, "MR", RUC, "USUARIO3")
    assert _message(page) == (messages.MESSAGE_3.render(RUC), "PRINCIPAL_NOT_REGISTERED")
    _no_session(agent, vuce)
    with vuce.ctx():
        from vuce_client.storage import AuditEvent, db

        reasons = [e.reason for e in db.session.query(AuditEvent).filter_by(event="ENTRY_DENIED")]
    assert reasons == ["PRINCIPAL_NOT_REGISTERED"]


def test_message_3_role_without_operacion(idp, vuce):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "USUARIO4", roles=(LAB,))
    page = sol_login(Agent(), vuce, "MR", RUC, "USUARIO4")
    assert _message(page) == (messages.MESSAGE_3.render(RUC), "ROLE_WITHOUT_OPERACION")


def test_message_4_role_removed_with_tramites(idp, vuce):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "USUARIO5", roles=(OP,))  # the agent role was taken away
    _import_principal(vuce)
    r = vuce.import_account(
        user_type="secondary",
        ruc=RUC,
        sol_username="USUARIO5",
        names="AGENTE",
        email="a@example.com",
        notifications_consent=True,
        last_roles=[AGENT, OP],
        last_status="ACTIVO",
        registered_as="AGENTE_ADUANA",
    )
    assert r.status_code == 201, r.text
    with vuce.ctx():
        from vuce_client.services import accounts, tramites
        from vuce_client.storage import db

        account = accounts.get_by_key(f"sol:{RUC}:USUARIO5")
        tramites.file(
            account,
            roles=[AGENT, OP],
            user_type="secondary",
            kind="SUCE",
            component="MERCANCIAS_RESTRINGIDAS",
            subject="Importación",
        )
        db.session.commit()
    page = sol_login(Agent(), vuce, "MR", RUC, "USUARIO5")
    assert _message(page) == (messages.MESSAGE_4.render(AGENT), "ROLE_REMOVED_WITH_TRAMITES")


@pytest.mark.parametrize(
    "action,reason", [("suspend", "NOT_ACTIVE_SUSPENDED"), ("delete", "NOT_ACTIVE_DELETED")]
)
def test_message_5_not_active(idp, vuce, action, reason):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "USUARIO6", roles=(OP,))
    r = requests.post(
        f"{idp.url}/api/v1/taxpayers/{RUC}/users/USUARIO6/status",
        json={"action": action},
        timeout=10,
        headers={"Authorization": f"Bearer {idp.admin_token}"},
    )
    assert r.status_code == 200, r.text
    agent = Agent()
    page = sol_login(agent, vuce, "MR", RUC, "USUARIO6")
    assert _message(page) == (messages.MESSAGE_5.text, reason)
    _no_session(agent, vuce)


def test_clean_user_registers_files_sso_and_logs_out_everywhere(idp, vuce):
    idp.create_taxpayer(RUC, company_name="IMPORTADORA ANDINA S.A.C.")
    idp.create_user(RUC, "OPERADO1", roles=(OP,))
    _import_principal(vuce)
    agent = Agent()
    page = sol_login(agent, vuce, "MR", RUC, "OPERADO1")
    assert page.url == f"{vuce.url}/registro", page.text[:500]
    assert messages.REGISTRATION_USER_SECTION in page.text
    assert "IMPORTADORA ANDINA S.A.C." in page.text
    # no session before the registration is done
    assert agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login").status_code == 302
    page = agent.get(f"{vuce.url}/registro")
    done = register_form(agent, page, names="QUISPE MAMANI ROSA", ubigeo="070107")
    assert html.unescape(text_of(done.text, "registration-done")) == messages.REGISTRATION_DONE
    with vuce.ctx():
        from vuce_client.services import accounts

        account = accounts.get_by_key(f"sol:{RUC}:OPERADO1")
        assert account.registered and account.ubigeo == "070107"
        assert account.terms_version == "2024-01" and account.terms_accepted_at
        assert account.registered_as == "EMPRESA" and account.last_roles == [OP]
    home = agent.get(f"{vuce.url}/mr/")
    assert home.status_code == 200 and "Mercancías Restringidas" in home.text
    # file a SUCE
    filed = agent.submit(
        home, {"kind": "SUCE", "subject": "Importación de alimentos"}, form_index=1
    )
    assert "SUCE-" in filed.text and "Enviado" in filed.text
    buzon = agent.get(f"{vuce.url}/mr/buzon")
    assert "registrada" in buzon.text
    with vuce.ctx():
        from vuce_client.mail import OutboxEmail
        from vuce_client.storage import db

        mails = db.session.query(OutboxEmail).all()
        assert [m.to for m in mails] == ["juan@example.com"]
    # second component: SSO, no password asked
    origen = agent.get(f"{vuce.url}/origen/login")
    assert origen.url == f"{vuce.url}/origen/", origen.url
    assert "Origen" in origen.text
    # logout from MR ends the IdP session and, by back-channel, every VUCE session
    out = agent.submit(agent.get(f"{vuce.url}/mr/"), form_index=0)
    assert text_of(out.text, "logged-out"), out.text[:800]
    assert (
        agent.get(f"{vuce.url}/origen/", stop_prefix=vuce.url + "/origen/login").status_code == 302
    )
    # and the IdP asks for the password again
    again = agent.get(f"{vuce.url}/origen/login")
    assert not again.url.startswith(vuce.url)
    assert PASSWORD  # the password form is back


def _logged_in_operator(idp, vuce, username="OPERADO2"):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, username, roles=(OP, SUP))
    _import_principal(vuce)
    r = vuce.import_account(
        user_type="secondary",
        ruc=RUC,
        sol_username=username,
        names="OPERADOR",
        email="op@example.com",
        notifications_consent=False,
        last_roles=[OP],
        last_status="ACTIVO",
        registered_as="EMPRESA",
    )
    assert r.status_code == 201
    agent = Agent()
    page = sol_login(agent, vuce, "MR", RUC, username)
    assert page.url == f"{vuce.url}/mr/", page.text[:300]
    return agent


def test_backchannel_logout_on_suspension_ends_vuce_session(idp, vuce):
    agent = _logged_in_operator(idp, vuce)
    assert agent.get(f"{vuce.url}/mr/").status_code == 200
    r = requests.post(
        f"{idp.url}/api/v1/taxpayers/{RUC}/users/OPERADO2/status",
        json={"action": "suspend"},
        timeout=10,
        headers={"Authorization": f"Bearer {idp.admin_token}"},
    )
    assert r.status_code == 200
    page = agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login")
    assert page.status_code == 302
    with vuce.ctx():
        from vuce_client.storage import AuditEvent, db

        assert db.session.query(AuditEvent).filter_by(event="BACKCHANNEL_LOGOUT").count() >= 1


def test_supervisor_sees_every_tramite_of_the_ruc(idp, vuce):
    agent = _logged_in_operator(idp, vuce, "SUPERVI1")
    with vuce.ctx():
        from vuce_client.services import accounts, tramites
        from vuce_client.storage import db

        other = accounts.import_account(
            {"user_type": "secondary", "ruc": RUC, "sol_username": "OTRO0001", "last_roles": [OP]},
            terms_version="2024-01",
        )[0]
        tramites.file(
            other,
            roles=[OP],
            user_type="secondary",
            kind="CONSULTA_TECNICA",
            component="MERCANCIAS_RESTRINGIDAS",
            subject="Consulta del colega",
        )
        db.session.commit()
    home = agent.get(f"{vuce.url}/mr/")
    assert "Consulta del colega" in home.text and "Trámites de la empresa" in home.text
    assert "registrada" in agent.get(f"{vuce.url}/mr/buzon").text
