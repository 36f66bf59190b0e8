"""The RP console: bounded token events with decoded claims only, recorded while the console
watches a client; faults and outage armed and cleared through the services of the REST API;
off in production unless IDP_ALLOW_SIMULATION=true."""

import json
import re

import pytest

from kvstore.memory import MemoryStore
from kvstore.redis_store import RedisStore
from tests.support.databases import redis_url
from tests.support.production import idp_production_settings

RUC = "20123456786"
CLIENT, SECRET = "console-rp", "console-rp-secret-0123456789"
REDIRECT = "http://127.0.0.1:9/cb"


def _stores():
    yield MemoryStore()
    url = redis_url(5)
    if url:
        store = RedisStore.from_url(url)
        store._r.flushdb()
        yield store


@pytest.mark.parametrize("store", list(_stores()), ids=lambda s: s.url.split(":")[0])
def test_push_capped_keeps_the_newest_entries_only(store):
    for i in range(60):
        store.push_capped("console:events:x", f"e{i}", 50, ttl=60)
    head = store.list_head("console:events:x", 100)
    assert len(head) == 50
    assert head[0] == b"e59" and head[-1] == b"e10"
    assert store.list_head("console:events:x", 3) == [b"e59", b"e58", b"e57"]
    assert store.list_head("console:events:none", 5) == []


@pytest.fixture
def rp(idp):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1")
    idp.register_client(
        CLIENT,
        secret=SECRET,
        redirect_uris=[REDIRECT],
        first_party=True,
        grant_types=["authorization_code", "refresh_token", "client_credentials"],
        scope="openid profile email sol padron",
    )
    return idp


def _operator(idp):
    client = idp.app.test_client()
    client.get("/sol/consola-rp")  # opens the session cookie
    from idp.web.admin import _token_digest

    with client.session_transaction() as s:
        s["sol_operator"] = _token_digest(idp.app.config["ADMIN_TOKEN"])
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_console_asks_for_the_admin_token(rp):
    client = rp.app.test_client()
    page = client.get("/sol/consola-rp").get_data(as_text=True)
    assert 'id="consola-ingresar"' in page and CLIENT not in page
    wrong = client.post(
        "/sol/consola-rp", data={"csrf_token": _csrf(page), "accion": "ingresar", "token": "x"}
    )
    assert wrong.status_code == 401 and "no es correcto" in wrong.get_data(as_text=True)
    ok = client.post(
        "/sol/consola-rp",
        data={
            "csrf_token": _csrf(page),
            "accion": "ingresar",
            "token": rp.app.config["ADMIN_TOKEN"],
        },
    )
    assert ok.status_code == 302
    assert CLIENT in client.get("/sol/consola-rp").get_data(as_text=True)


def test_events_are_recorded_only_while_the_console_watches_the_client(rp):
    from idp.services import console

    rp.client_credentials(CLIENT, SECRET, "padron")  # nobody watches: not recorded
    assert console.events(rp.store, CLIENT) == []
    client = _operator(rp)
    assert client.get(f"/sol/consola-rp?cliente={CLIENT}").status_code == 200
    answer = rp.client_credentials(CLIENT, SECRET, "padron")
    tokens = rp.login(RUC, "OPERADO1", client_id=CLIENT, client_secret=SECRET)
    events = console.events(rp.store, CLIENT)
    assert [e["grant"] for e in events] == ["authorization_code", "client_credentials"]
    login = events[0]
    assert login["id_token"]["kid"] and login["id_token"]["claims"]["aud"] == CLIENT
    assert login["access_token"]["scope"] == "openid profile email sol"
    assert login["account"] and login["fault"] is None
    raw = json.dumps(events)
    for value in (answer["access_token"], tokens["access_token"], tokens["id_token"]):
        assert value not in raw  # decoded claims only, never a token
    page = client.get(f"/sol/consola-rp?cliente={CLIENT}").get_data(as_text=True)
    assert login["id_token"]["kid"] in page and "authorization_code" in page


def test_arm_log_in_see_the_fault_then_clear_it_and_set_the_outage(rp):
    from idp.services import console, outage, rp_faults
    from idp.storage import db
    from idp.storage.audit import AuditEvent

    client = _operator(rp)
    page = client.get(f"/sol/consola-rp?cliente={CLIENT}").get_data(as_text=True)
    token = _csrf(page)
    armed = client.post(
        "/sol/consola-rp",
        data={
            "csrf_token": token,
            "accion": "armar",
            "cliente": CLIENT,
            "falla": "id_token_wrong_audience",
            "veces": "2",
        },
    )
    assert armed.status_code == 302
    assert [a.fault for a in rp_faults.armed(rp.store, CLIENT)] == ["id_token_wrong_audience"]
    rp.login(RUC, "OPERADO1", client_id=CLIENT, client_secret=SECRET)
    assert console.events(rp.store, CLIENT)[0]["fault"] == "id_token_wrong_audience"
    page = client.get(f"/sol/consola-rp?cliente={CLIENT}").get_data(as_text=True)
    assert 'data-falla="id_token_wrong_audience"' in page

    client.post(
        "/sol/consola-rp",
        data={"csrf_token": token, "accion": "retirar-todas", "cliente": CLIENT},
    )
    assert rp_faults.armed(rp.store, CLIENT) == []
    client.post("/sol/consola-rp", data={"csrf_token": token, "accion": "modo", "modo": "slow"})
    assert outage.read(rp.store).mode == "slow"
    client.post("/sol/consola-rp", data={"csrf_token": token, "accion": "modo", "modo": "none"})
    assert outage.read(rp.store).mode == "none"
    with rp.app.app_context():
        actions = {e.action for e in db.session.query(AuditEvent).filter_by(actor="rp-console")}
    assert {"RP_FAULT_ARMED", "RP_FAULT_CLEARED", "OUTAGE_MODE_SET"} <= actions


def test_bad_input_never_gives_a_500(rp):
    client = _operator(rp)
    token = _csrf(client.get(f"/sol/consola-rp?cliente={CLIENT}").get_data(as_text=True))
    cases = [
        {"accion": "armar", "cliente": CLIENT, "falla": "nope"},
        {"accion": "armar", "cliente": CLIENT, "falla": "id_token_wrong_audience", "veces": "x"},
        {"accion": "armar", "cliente": CLIENT, "falla": "id_token_wrong_audience", "veces": "999"},
        {"accion": "armar", "cliente": "unknown", "falla": "id_token_wrong_audience"},
        {"accion": "modo", "modo": "apagado"},
        {"accion": "otra", "cliente": CLIENT},
    ]
    for data in cases:
        resp = client.post("/sol/consola-rp", data={"csrf_token": token, **data})
        assert resp.status_code in (302, 400, 422), (data, resp.status_code)
    assert (
        client.post("/sol/consola-rp", data={"accion": "modo", "modo": "down"}).status_code == 400
    )
    assert client.get("/sol/consola-rp?cliente=%00").status_code in (200, 400)


def test_off_in_production_unless_simulation_is_allowed(tmp_path):
    from idp import create_app

    base = idp_production_settings(tmp_path)
    assert create_app(base).test_client().get("/sol/consola-rp").status_code == 404
    allowed = create_app({**base, "ALLOW_SIMULATION": True}).test_client()
    assert allowed.get("/sol/consola-rp").status_code == 200
