"""No cross-RUC or cross-user access (IDOR) in VUCE, table-driven and end to end through the
real IdP: a user of RUC A never sees trámites or buzón entries of RUC B (even with the same
SOL username), an OPERACION user sees only its own trámites of its RUC, a SUPERVISOR all of its
RUC's; a filing form cannot be pointed at another RUC. A guard fails when a component route
starts taking an identifier in its URL (it would need its own IDOR check here)."""

from __future__ import annotations

import pytest

from tests.support.agent import Agent, forms

from .conftest import sol_login

RUC_A, RUC_B = "20123456786", "20600000013"
OP = "VUCE.USUARIO.OPERACION"
SUP = "VUCE.USUARIO.SUPERVISOR"

# (ruc, SOL username, roles, subject of the trámite it files)
USERS = [
    (RUC_A, "OPERADO1", (OP,), "ASUNTO-A-OPERADO1"),
    (RUC_A, "OPERADO2", (OP,), "ASUNTO-A-OPERADO2"),
    (RUC_A, "SUPERVI1", (OP, SUP), "ASUNTO-A-SUPERVI1"),
    (RUC_B, "OPERADO1", (OP,), "ASUNTO-B-OPERADO1"),  # same username, other RUC
    (RUC_B, "SUPERVI1", (OP, SUP), "ASUNTO-B-SUPERVI1"),
]
ALL_SUBJECTS = {u[3] for u in USERS}
# viewer (ruc, username) -> the subjects it must see, in the list and in the buzón; no other.
VISIBLE = {
    (RUC_A, "OPERADO1"): {"ASUNTO-A-OPERADO1"},
    (RUC_A, "OPERADO2"): {"ASUNTO-A-OPERADO2"},
    (RUC_A, "SUPERVI1"): {"ASUNTO-A-OPERADO1", "ASUNTO-A-OPERADO2", "ASUNTO-A-SUPERVI1"},
    (RUC_B, "OPERADO1"): {"ASUNTO-B-OPERADO1"},
    (RUC_B, "SUPERVI1"): {"ASUNTO-B-OPERADO1", "ASUNTO-B-SUPERVI1"},
}


@pytest.fixture
def two_rucs(idp, vuce):
    from vuce_client.services import accounts, tramites
    from vuce_client.storage import db

    for ruc in (RUC_A, RUC_B):
        idp.create_taxpayer(ruc)
        r = vuce.import_account(
            user_type="principal",
            ruc=ruc,
            sol_username="PRINCIPA",
            names="REPRESENTANTE",
            email=f"rep{ruc[-3:]}@example.com",
            notifications_consent=False,
            last_roles=[],
            last_status="ACTIVO",
            registered_as="EMPRESA",
        )
        assert r.status_code in (200, 201), r.text
    for ruc, username, roles, subject in USERS:
        idp.create_user(ruc, username, roles=roles)
        r = vuce.import_account(
            user_type="secondary",
            ruc=ruc,
            sol_username=username,
            names="USUARIO DE PRUEBA",
            last_roles=list(roles),
            last_status="ACTIVO",
            registered_as="EMPRESA",
        )
        assert r.status_code == 201, r.text
        with vuce.ctx():
            account = accounts.get_by_key(r.json()["account_key"])
            tramites.file(
                account,
                roles=list(roles),
                user_type="secondary",
                kind="SUCE",
                component="MERCANCIAS_RESTRINGIDAS",
                subject=subject,
            )
            db.session.commit()
    return vuce


def _visible(text: str) -> set[str]:
    return {s for s in ALL_SUBJECTS if s in text}


def _login(vuce, ruc: str, username: str) -> Agent:
    agent = Agent()
    page = sol_login(agent, vuce, "MR", ruc, username)
    assert page.url == f"{vuce.url}/mr/", (ruc, username, page.url, page.text[:300])
    return agent


@pytest.mark.parametrize("viewer", sorted(VISIBLE), ids=lambda v: f"{v[0][-3:]}-{v[1]}")
def test_each_user_sees_exactly_its_scope(two_rucs, viewer):
    vuce = two_rucs
    agent = _login(vuce, *viewer)
    home = agent.get(f"{vuce.url}/mr/")
    buzon = agent.get(f"{vuce.url}/mr/buzon")
    assert home.status_code == buzon.status_code == 200
    assert _visible(home.text) == VISIBLE[viewer], home.text[:500]
    assert _visible(buzon.text) == VISIBLE[viewer], buzon.text[:500]


def test_filing_form_cannot_target_another_ruc_or_account(two_rucs):
    from vuce_client.storage import Tramite, VuceAccount, db

    vuce = two_rucs
    with vuce.ctx():
        foreign = db.session.scalar(
            db.select(VuceAccount).where(
                VuceAccount.ruc == RUC_B, VuceAccount.sol_username == "OPERADO1"
            )
        )
        foreign_id = foreign.id
    agent = _login(vuce, RUC_A, "OPERADO1")
    home = agent.get(f"{vuce.url}/mr/")
    # Extra fields a tamperer might add: ignored, the account comes from the session.
    index = next(i for i, f in enumerate(forms(home.text)) if f["action"].endswith("/tramites"))
    filed = agent.submit(
        home,
        {
            "kind": "SUCE",
            "subject": "ASUNTO-INYECTADO",
            "ruc": RUC_B,
            "account_id": str(foreign_id),
            "account_key": "x",
        },
        form_index=index,
    )
    assert filed.status_code == 200
    with vuce.ctx():
        row = db.session.scalar(db.select(Tramite).where(Tramite.subject == "ASUNTO-INYECTADO"))
        assert row.ruc == RUC_A and row.account_id != foreign_id
    supervisor_b = _login(vuce, RUC_B, "SUPERVI1")
    assert "ASUNTO-INYECTADO" not in supervisor_b.get(f"{vuce.url}/mr/").text
    assert "ASUNTO-INYECTADO" not in supervisor_b.get(f"{vuce.url}/mr/buzon").text


def test_no_component_route_takes_an_identifier(vuce_session):
    """Trámites and buzón are reached only through the session's account. A route such as
    ``/mr/tramites/<id>`` would need its own cross-RUC/cross-user test in this file."""
    allowed = {
        "vuce_core.static",
        "vuce_core.ubigeo_provinces",
        "vuce_core.ubigeo_districts",
        "vuce_contingency.open_link",
    }
    # IDOR-checked in test_buzon_and_moves.py (other user, RUC, entity and component: 404).
    allowed |= {
        f"component_{c}.{view}"
        for c in ("mr", "origen", "ga")
        for view in ("buzon_entry", "move_tramite")
    }
    with_ids = [
        (r.rule, r.endpoint)
        for r in vuce_session.app.url_map.iter_rules()
        if r.arguments and r.endpoint not in allowed
    ]
    assert not with_ids, f"routes with identifiers need an IDOR test: {with_ids}"
