"""Registration sections through the real IdP: agent (padrón), Extranet (área), profile edit."""

from __future__ import annotations

import html

from tests.support.agent import Agent
from vuce_client.domain import messages

from .conftest import extranet_login, register_form, sol_login, text_of

RUC = "20123456786"
AGENCY = "20100047218"
NOT_AGENT = "20512333797"
OP = "VUCE.USUARIO.OPERACION"
AGENT = "VUCE.USUARIO.AGENTE_ADUANA"


def test_agent_section_validates_the_agency_through_the_padron(idp, vuce):
    idp.create_taxpayer(RUC)
    idp.create_taxpayer(
        AGENCY,
        company_name="AGENCIA DE ADUANAS RAPIDA S.A.",
        principal_username="AGENCIA1",
        is_customs_agent=True,
        address="AV. ARGENTINA 100 CALLAO",
        phones="01-4200000",
        email="info@rapida.pe",
        fax="01-4200001",
    )
    idp.create_taxpayer(
        NOT_AGENT, company_name="COMERCIAL SIN LICENCIA S.A.", principal_username="COMERCI1"
    )
    idp.create_user(RUC, "AGENTE01", roles=(AGENT, OP))
    vuce.import_account(
        user_type="principal",
        ruc=RUC,
        sol_username="PRINCIPA",
        last_roles=[],
        registered_as="EMPRESA",
    )
    agent = Agent()
    page = sol_login(agent, vuce, "MR", RUC, "AGENTE01")
    assert messages.REGISTRATION_AGENT_SECTION in page.text
    # an unknown RUC and a non-agent are refused with a clear message
    bad = agent.submit(page, {"linked_ruc": "20600000013", "action": "validate_ruc"})
    assert html.unescape(text_of(bad.text, "error-linked_ruc")) == messages.ERR_AGENCY_RUC_UNKNOWN
    bad = agent.submit(page, {"linked_ruc": NOT_AGENT, "action": "validate_ruc"})
    assert html.unescape(text_of(bad.text, "error-linked_ruc")) == messages.ERR_NOT_CUSTOMS_AGENT
    good = agent.submit(page, {"linked_ruc": AGENCY, "action": "validate_ruc"})
    assert text_of(good.text, "linked-name") == "AGENCIA DE ADUANAS RAPIDA S.A."
    assert text_of(good.text, "linked-email") == "info@rapida.pe"
    assert text_of(good.text, "linked-fax") == "01-4200001"
    done = register_form(agent, good, linked_ruc=AGENCY)
    assert text_of(done.text, "registration-done"), done.text[:1500]
    with vuce.ctx():
        from vuce_client.services import accounts

        account = accounts.get_by_key(f"sol:{RUC}:AGENTE01")
        assert account.registered_as == "AGENTE_ADUANA" and account.linked_ruc == AGENCY
        assert account.linked_name == "AGENCIA DE ADUANAS RAPIDA S.A."


def test_principal_registration_marks_the_ruc_registered(idp, vuce):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "AGENTE02", roles=(AGENT, OP))
    agent = Agent()
    page = sol_login(agent, vuce, "MR", RUC, "PRINCIPA")
    assert page.url.endswith("/registro")
    assert messages.REGISTRATION_AGENT_SECTION not in page.text
    done = register_form(agent, page)
    assert text_of(done.text, "registration-done")
    # now the agent is no longer refused with message 3
    page = sol_login(Agent(), vuce, "MR", RUC, "AGENTE02")
    assert page.url.endswith("/registro")


def test_extranet_official_registers_and_updates_area(idp, vuce):
    idp.create_extranet_user("EXT0001", names="HELP DESK")
    agent = Agent()
    page = extranet_login(agent, vuce, "EXT0001")
    assert page.url.endswith("/registro"), page.text[:500]
    assert text_of(page.text, "entity") == "DIGESA"  # SOL sends the entity as company_name
    done = register_form(agent, page, area="DIGESA", sub_area="ALIMENTOS")
    assert text_of(done.text, "registration-done")
    profile = agent.get(f"{vuce.url}/mis-datos")
    assert messages.PROFILE_EDIT_BUTTON in profile.text and "Sub-área" in profile.text
    updated = agent.submit(
        profile,
        {
            "area": "DIGESA",
            "sub_area": "BEBIDAS",
            "email": "nuevo@example.com",
            "notifications_consent": "1",
            "department": "15",
            "province": "1501",
            "ubigeo": "150101",
            "action": "submit",
        },
    )
    assert text_of(updated.text, "profile-done") == messages.PROFILE_EDIT_DONE
    with vuce.ctx():
        from vuce_client.services import accounts

        account = accounts.get_by_key("ext:EXT0001")
        assert account.sub_area == "BEBIDAS" and account.email == "nuevo@example.com"
        assert account.email_updated_at is not None


def test_profile_is_reached_by_clicking_the_name(idp, vuce):
    idp.create_taxpayer(RUC)
    vuce.import_account(
        user_type="principal",
        ruc=RUC,
        sol_username="PRINCIPA",
        names="MARIA TORRES",
        email="m@example.com",
        last_roles=[],
        registered_as="EMPRESA",
    )
    agent = Agent()
    home = sol_login(agent, vuce, "MR", RUC, "PRINCIPA")
    assert 'id="user-name" href="/mis-datos"' in home.text and "MARIA TORRES" in home.text
