"""The buzón marks an entry read when its addressee opens it and counts unread entries per
component (issue 13, item 17); an Extranet official of a trámite's entity moves it past
ENVIADO, and each move reaches the filer's buzón and, through the outbox, its e-mail (item 18).
End to end through the real IdP; the routes that take an identifier are checked against other
users, RUCs, entities and components (IDOR)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.support.agent import Agent, forms
from vuce_client.domain import messages

from .conftest import extranet_login, sol_login

RUC_A, RUC_B = "20123456786", "20600000013"
OP = "VUCE.USUARIO.OPERACION"
SUP = "VUCE.USUARIO.SUPERVISOR"
AGENT = "VUCE.USUARIO.AGENTE_ADUANA"


@pytest.fixture
def world(idp, vuce):
    """Two RUCs with registered users, two officials (DIGESA, SENASA), OPERADO1's trámites:
    a SUCE in MR (to DIGESA) and a Consulta Técnica in ORIGEN (to MINCETUR)."""
    from vuce_client.services import accounts, tramites
    from vuce_client.storage import db

    users = [
        (RUC_A, "OPERADO1", [OP]),
        (RUC_A, "OPERADO2", [OP]),
        (RUC_A, "SUPERVI1", [OP, SUP]),
        (RUC_B, "OPERADO1", [OP]),
    ]
    for ruc in (RUC_A, RUC_B):
        idp.create_taxpayer(ruc)
        _import(vuce, user_type="principal", ruc=ruc, sol_username="PRINCIPA", last_roles=[])
    for ruc, username, roles in users:
        idp.create_user(ruc, username, roles=roles)
        _import(
            vuce,
            user_type="secondary",
            ruc=ruc,
            sol_username=username,
            last_roles=roles,
            email=f"{username.lower()}@{ruc}.pe",
            notifications_consent=True,
        )
    for username, entity in (("EXT0001", "DIGESA"), ("EXT0002", "SENASA")):
        idp.create_extranet_user(username, entity=entity)
        _import(vuce, user_type="extranet", sol_username=username, last_roles=[])
    with vuce.ctx():
        filer = accounts.get_by_key(f"sol:{RUC_A}:OPERADO1")
        ids = {}
        for kind, component in (
            ("SUCE", "MERCANCIAS_RESTRINGIDAS"),
            ("CONSULTA_TECNICA", "ORIGEN"),
        ):
            row = tramites.file(
                filer,
                roles=[OP],
                user_type="secondary",
                kind=kind,
                component=component,
                subject=f"ASUNTO-{component}",
            )
            ids[component] = row.id
        db.session.commit()
    vuce.tramite_ids = ids
    return vuce


def _import(vuce, **body):
    body.setdefault("names", "USUARIO DE PRUEBA")
    body.setdefault("last_status", "ACTIVO")
    if body["user_type"] != "extranet":
        body.setdefault("registered_as", "EMPRESA")
    r = vuce.import_account(**body)
    assert r.status_code in (200, 201), r.text


def _notes(vuce, ruc=RUC_A, username="OPERADO1"):
    from vuce_client.services import accounts
    from vuce_client.storage import Notification, db

    with vuce.ctx():
        account = accounts.get_by_key(f"sol:{ruc}:{username}")
        return list(
            db.session.execute(
                sa.select(Notification.id, Notification.component, Notification.read_at)
                .where(Notification.account_id == account.id)
                .order_by(Notification.id)
            )
        )


def _login(vuce, ruc, username, prefix="/mr"):
    agent = Agent()
    component = {"/mr": "MR", "/origen": "ORIGEN", "/ga": "GA"}[prefix]
    page = sol_login(agent, vuce, component, ruc, username)
    assert page.url == f"{vuce.url}{prefix}/", (page.url, page.text[:300])
    return agent, page


def _counts(html):
    """{component name: unread count} from the buzón's per-component list."""
    return {
        name: int(n)
        for name, n in re.findall(
            r'data-componente="(\w+)">.*?<span class="badge[^"]*">(\d+)</span>', html, re.S
        )
    }


def _csrf(page):
    return next(f["fields"]["csrf_token"] for f in forms(page.text) if "csrf_token" in f["fields"])


# --- item 17: read on open, unread counts per component ----------------------------------------


def test_opening_an_entry_marks_it_read_and_counts_are_per_component(world):
    vuce = world
    agent, home = _login(vuce, RUC_A, "OPERADO1")
    assert re.search(r'id="unread-count"[^>]*>1<', home.text)
    buzon = agent.get(f"{vuce.url}/mr/buzon")
    assert _counts(buzon.text) == {"MR": 1, "ORIGEN": 1, "GA": 0}
    assert "ASUNTO-MERCANCIAS_RESTRINGIDAS" in buzon.text
    assert "ASUNTO-ORIGEN" not in buzon.text  # ORIGEN's entry is in ORIGEN's buzón
    assert buzon.text.count('class="unread"') == 1 and "No leído" in buzon.text

    mr_id = next(i for i, c, _ in _notes(vuce) if c == "MERCANCIAS_RESTRINGIDAS")
    entry = agent.get(f"{vuce.url}/mr/buzon/{mr_id}")
    assert entry.status_code == 200
    assert "registrada en el componente Mercancías Restringidas" in entry.text
    read_at = {i: r for i, _, r in _notes(vuce)}[mr_id]
    assert read_at is not None

    buzon = agent.get(f"{vuce.url}/mr/buzon")
    assert _counts(buzon.text) == {"MR": 0, "ORIGEN": 1, "GA": 0}
    assert 'class="unread"' not in buzon.text and "Leído" in buzon.text
    assert 'id="unread-count"' not in agent.get(f"{vuce.url}/mr/").text
    # Opening it again keeps the first reading time.
    agent.get(f"{vuce.url}/mr/buzon/{mr_id}")
    assert {i: r for i, _, r in _notes(vuce)}[mr_id] == read_at


def test_a_supervisor_reads_a_colleagues_entry_without_marking_it(world):
    vuce = world
    agent, _ = _login(vuce, RUC_A, "SUPERVI1")
    mr_id = _notes(vuce)[0][0]
    entry = agent.get(f"{vuce.url}/mr/buzon/{mr_id}")
    assert entry.status_code == 200 and "ASUNTO-MERCANCIAS_RESTRINGIDAS" in entry.text
    assert _notes(vuce)[0][2] is None
    assert _counts(agent.get(f"{vuce.url}/mr/buzon").text) == {"MR": 0, "ORIGEN": 0, "GA": 0}


@pytest.mark.parametrize(
    "viewer", [(RUC_A, "OPERADO2"), (RUC_B, "OPERADO1")], ids=["same-ruc", "other-ruc"]
)
def test_another_users_entry_is_not_found(world, viewer):
    vuce = world
    agent, _ = _login(vuce, *viewer)
    for entry_id, _, _ in _notes(vuce):
        resp = agent.get(f"{vuce.url}/mr/buzon/{entry_id}")
        assert resp.status_code == 404
        assert "ASUNTO-" not in resp.text
    assert agent.get(f"{vuce.url}/mr/buzon/999999").status_code == 404
    assert all(r is None for _, _, r in _notes(vuce))


# --- item 18: an official of the entity moves the trámite; the filer hears of it ------------


def _move(agent, page, number, estado, motivo=""):
    row = page.text.split(f'data-numero="{number}"', 1)[1]
    action = re.search(r'action="([^"]+/estado)"', row).group(1)
    index = next(i for i, f in enumerate(forms(page.text)) if f["action"] == action)
    return agent.submit(page, {"estado": estado, "motivo": motivo}, form_index=index)


def test_an_official_of_the_entity_moves_the_tramite_and_the_filer_is_notified(world):
    from vuce_client.mail import OutboxEmail
    from vuce_client.storage import Tramite, db

    vuce = world
    number = f"SUCE-{vuce.tramite_ids['MERCANCIAS_RESTRINGIDAS']:06d}"
    agent = Agent()
    home = extranet_login(agent, vuce, "EXT0001")
    assert home.url == f"{vuce.url}/mr/", home.text[:300]
    assert "Trámites de la entidad DIGESA" in home.text
    assert number in home.text and "ASUNTO-ORIGEN" not in home.text
    assert 'id="file-form"' not in home.text  # officials do not file

    page = _move(agent, home, number, "EN_EVALUACION")
    assert messages.TRAMITE_STATE_SAVED.format(number=number, state="En evaluación") in page.text
    refused = _move(agent, page, number, "OBSERVADO")
    assert refused.status_code == 409
    assert messages.ERR_MOVE_NOTE_REQUIRED.format(new="Observado") in refused.text
    page = _move(agent, refused, number, "OBSERVADO", "Falta el certificado sanitario")
    assert "Falta el certificado sanitario" in page.text
    page = _move(agent, page, number, "EN_EVALUACION")
    page = _move(agent, page, number, "APROBADO")
    row = page.text.split(f'data-numero="{number}"', 1)[1].split("</tr>", 1)[0]
    assert "Aprobado" in row and "Concluido" in row and "<form" not in row

    with vuce.ctx():
        t = db.session.get(Tramite, vuce.tramite_ids["MERCANCIAS_RESTRINGIDAS"])
        assert (t.state, t.moved_by, t.state_note) == ("APROBADO", "ext:EXT0001", None)
        mails = [
            (m.to, m.subject)
            for m in db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id))
        ]
    moved = [s for to, s in mails if to == f"operado1@{RUC_A}.pe" and number in s]
    assert moved == [
        f"VUCE - SUCE {number} registrada",
        f"VUCE - {number}: En evaluación",
        f"VUCE - {number}: Observado",
        f"VUCE - {number}: En evaluación",
        f"VUCE - {number}: Aprobado",
    ]
    assert [e["after"] for e in (r.detail for r in vuce.audit_events("TRAMITE_STATE_CHANGED"))] == [
        "EN_EVALUACION",
        "OBSERVADO",
        "EN_EVALUACION",
        "APROBADO",
    ]

    # The filer sees the new state and the reason, and four unread entries in MR's buzón.
    filer, home = _login(vuce, RUC_A, "OPERADO1")
    assert "Aprobado" in home.text
    buzon = filer.get(f"{vuce.url}/mr/buzon")
    assert _counts(buzon.text)["MR"] == 5
    assert "Motivo: Falta el certificado sanitario" in buzon.text


def test_nobody_else_moves_it(world):
    from vuce_client.storage import Tramite, db

    vuce = world
    tid = vuce.tramite_ids["MERCANCIAS_RESTRINGIDAS"]
    number = f"SUCE-{tid:06d}"
    other = Agent()
    home = extranet_login(other, vuce, "EXT0002")  # SENASA
    assert "Trámites de la entidad SENASA" in home.text and number not in home.text
    attempts = [(other, home, "/mr")]
    filer, filer_home = _login(vuce, RUC_A, "OPERADO1")
    attempts.append((filer, filer_home, "/mr"))
    digesa = Agent()
    origen_home = extranet_login(digesa, vuce, "EXT0001", prefix="/origen")
    attempts.append((digesa, origen_home, "/origen"))  # right entity, wrong component
    for agent, page, prefix in attempts:
        resp = agent.http.post(
            f"{vuce.url}{prefix}/tramites/{tid}/estado",
            data={"csrf_token": _csrf(page), "estado": "EN_EVALUACION"},
            allow_redirects=False,
        )
        assert resp.status_code == 404, (prefix, resp.status_code)
    # And no move without the CSRF token, even by the right official.
    digesa_mr = extranet_login(digesa, vuce, "EXT0001")
    assert number in digesa_mr.text
    resp = digesa.http.post(
        f"{vuce.url}/mr/tramites/{tid}/estado", data={"estado": "EN_EVALUACION"}
    )
    assert resp.status_code == 400
    with vuce.ctx():
        assert db.session.get(Tramite, tid).state == "ENVIADO"
    assert len(_notes(vuce)) == 2


def test_message_4_keeps_counting_tramites_in_every_state(world):
    """A customs agent's trámite still counts for message 4 once evaluated, observed or denied."""
    from vuce_client.domain.identity import UserType
    from vuce_client.services import accounts, tramites
    from vuce_client.storage import db

    vuce = world
    with vuce.ctx():
        agent = accounts.get_by_key(f"sol:{RUC_A}:OPERADO2")
        agent.registered_as = "AGENTE_ADUANA"
        agent.linked_ruc = "20500000008"
        row = tramites.file(
            agent,
            roles=[AGENT, OP],
            user_type="secondary",
            kind="SUCE",
            component="MERCANCIAS_RESTRINGIDAS",
            subject="agente",
        )
        official = accounts.get_by_key("ext:EXT0001")
        official.company_name = "DIGESA"
        for new, note in (("EN_EVALUACION", None), ("OBSERVADO", "x"), ("DENEGADO", "y")):
            tramites.move(
                official,
                user_type=UserType.EXTRANET,
                component="MERCANCIAS_RESTRINGIDAS",
                tramite_id=row.id,
                new=new,
                note=note,
            )
            assert accounts.has_tramites_with_role(agent, AGENT), new
        db.session.rollback()
