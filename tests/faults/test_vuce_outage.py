"""VUCE on a private Redis and a private PostgreSQL that the tests take down: people get the
Spanish 503 page, programs (/api, /readyz) a JSON 503, never a 500, a stack trace or a hang;
VUCE recovers by itself when the service returns."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.support.agent import Agent
from tests.support.live import LiveServer, free_port
from tests.vuce_client.conftest import last_refusal, register_vuce_clients, sol_login

from .load import Load, problems, summary

pytestmark = pytest.mark.slow

RUC = "20123456786"
USER = "OPERADO1"
OP = "VUCE.USUARIO.OPERACION"
ADMIN = "vuce-admin-token-faults-tests"


class FaultsVuce:
    def __init__(self, app, server, pg, redis):
        self.app, self.server, self.url = app, server, server.url
        self.pg, self.redis = pg, redis

    def import_account(self, **body):
        payload = {
            "user_type": "secondary",
            "ruc": RUC,
            "names": "PEREZ GOMEZ ANA",
            "email": "ana@example.pe",
            "notifications_consent": True,
            "last_roles": [OP],
            "last_status": "ACTIVO",
            "registered_as": "EMPRESA",
            **body,
        }
        return requests.post(
            f"{self.url}/api/v1/accounts",
            json=payload,
            timeout=8,
            headers={"Authorization": f"Bearer {ADMIN}"},
        )

    def login(self) -> Agent:
        agent = Agent()
        page = sol_login(agent, self, "MR", RUC, USER)
        assert page.url == f"{self.url}/mr/", (page.status_code, last_refusal(self.app))
        return agent


@pytest.fixture
def faults_vuce(tmp_path, idp, private_pg, private_redis):  # noqa: F811 (fixtures)
    from flask_migrate import upgrade

    from vuce_client import create_app

    port = free_port()
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": private_pg.create_database(f"vfaults_{uuid.uuid4().hex[:10]}"),
            "REDIS_URL": private_redis.url,
            "BASE_URL": f"http://127.0.0.1:{port}",
            "IDP_ISSUER": idp.url,
            "SECRET_KEY": "test-secret-key-vuce-faults-0123456789",
            "ADMIN_TOKEN": ADMIN,
            "IDP_TIMEOUT": 3.0,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    register_vuce_clients(idp, app)
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, USER, roles=(OP,))
    server = LiveServer(app, port).start()
    vuce = FaultsVuce(app, server, private_pg, private_redis)
    assert vuce.import_account(sol_username=USER).status_code == 201
    yield vuce
    server.stop()
    if not private_pg.up:
        private_pg.start()
    if not private_redis.running:
        private_redis.start()
    from vuce_client.storage import db

    with app.app_context():
        db.engine.dispose()


def _mix(agent: Agent):
    """People's pages (with and without a session) and programs' JSON calls. Cookies go in
    an explicit header so that no answer can change the session the other requests use."""
    session = agent.http.cookies.get("vuce_session", domain="127.0.0.1")
    html = {"Accept": "text/html,application/xhtml+xml", "Cookie": ""}
    logged_in = {**html, "Cookie": f"vuce_session={session}"}
    bearer = {"Authorization": f"Bearer {ADMIN}", "Cookie": ""}
    return [
        ("home", "GET", "/mr/", {"headers": logged_in}),
        ("buzon", "GET", "/mr/buzon", {"headers": logged_in}),
        ("login", "GET", "/login", {"headers": html}),
        ("component_login", "GET", "/mr/login", {"headers": html}),
        ("contingency", "GET", "/contingencia", {"headers": html}),
        ("readyz", "GET", "/readyz", {"headers": {"Cookie": ""}}),
        ("api", "GET", "/api/v1/contingency", {"headers": bearer}),
        (
            "api",
            "POST",
            "/api/v1/accounts",
            {
                "headers": bearer,
                "json": {
                    "user_type": "secondary",
                    "ruc": RUC,
                    "sol_username": "CARGA001",
                    "last_roles": [OP],
                },
            },
        ),
        ("api", "GET", "/api/ubigeo/departamentos", {"headers": {"Cookie": ""}}),
    ]


def _vuce_works(vuce: FaultsVuce, timeout: float) -> float:
    """Seconds until /readyz is 200 and a full SOL login into VUCE succeeds again."""
    t0 = time.monotonic()
    why = ""
    while time.monotonic() - t0 < timeout:
        try:
            ready = requests.get(f"{vuce.url}/readyz", timeout=3).status_code == 200
            if ready and vuce.login().get(f"{vuce.url}/mr/").status_code == 200:
                return time.monotonic() - t0
            why = "not ready"
        except (requests.RequestException, AssertionError) as exc:
            why = repr(exc)[:200]
        time.sleep(0.1)
    raise AssertionError(f"VUCE did not recover within {timeout}s: {why}")


def _outage(vuce: FaultsVuce, stop, start, label: str, seconds: float = 3.0):
    agent = vuce.login()
    assert agent.get(f"{vuce.url}/mr/").status_code == 200
    # The account the load re-imports exists already: every import is an update.
    assert vuce.import_account(sol_username="CARGA001").status_code in (200, 201)
    with Load(vuce.url, _mix(agent), threads=4, max_seconds=60) as load:
        time.sleep(0.8)
        down_at = time.monotonic()
        stop()
        time.sleep(seconds)
        during = load.between(down_at + 0.5, time.monotonic())
        page = requests.get(
            f"{vuce.url}/mr/",
            headers={"Accept": "text/html"},
            timeout=8,
            cookies=agent.http.cookies.get_dict(),
        )
        start()
        back = _vuce_works(vuce, 20)
        time.sleep(0.5)
    print(
        f"\n[vuce {label}] VUCE fully working {back:.2f}s after it came back "
        f"({len(load.hits)} requests; during: {summary(during)})"
    )
    assert not problems(load.hits), "\n".join(problems(load.hits)[:20])
    assert any(h.status == 503 for h in during), summary(during)
    assert max(h.elapsed for h in load.hits) < 5.0, "a request hung during the outage"
    assert page.status_code == 503 and "no está disponible" in page.text, page.text[:300]
    assert back < 10.0
    return agent


def test_redis_killed(faults_vuce):
    vuce = faults_vuce
    agent = _outage(vuce, vuce.redis.stop, vuce.redis.start, "redis killed 3 s")
    # The sessions lived in the lost Redis: the old cookie now leads to the login, not a 500.
    page = agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login")
    assert page.status_code in (302, 303)


def test_postgres_down_and_back(faults_vuce):
    vuce = faults_vuce
    agent = _outage(vuce, lambda: vuce.pg.stop(mode="fast"), vuce.pg.start, "postgres down 3 s")
    # The session lives in Redis, the account in PostgreSQL: both are back, same cookie.
    assert agent.get(f"{vuce.url}/mr/").status_code == 200


def test_postgres_restart(faults_vuce):
    vuce = faults_vuce
    agent = vuce.login()
    vuce.pg.restart(mode="fast")
    statuses = [agent.get(f"{vuce.url}/mr/").status_code for _ in range(3)]
    assert 500 not in statuses, statuses
    assert _vuce_works(vuce, 20) < 5.0


def test_contingency_form_posted_while_redis_is_down(faults_vuce):
    """The contingency form is rate-limited in Redis (Flask-Limiter): a form loaded before the
    outage and posted during it gets the Spanish 503 page, not a 500 from the limiter."""
    vuce = faults_vuce
    on = requests.put(
        f"{vuce.url}/api/v1/contingency",
        json={"active": True},
        timeout=8,
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert on.status_code == 200, on.text
    agent = Agent()
    form = agent.get(f"{vuce.url}/contingencia?tipo=sol")
    assert form.status_code == 200
    vuce.redis.stop()
    posted = agent.submit(form, {"ruc": RUC, "usuario": USER, "g-recaptcha-response": "x"})
    assert posted.status_code == 503, (posted.status_code, posted.text[:300])
    assert "no está disponible" in posted.text
    vuce.redis.start()  # empty: the operator switches contingency on again
    assert (
        requests.put(
            f"{vuce.url}/api/v1/contingency",
            json={"active": True},
            timeout=8,
            headers={"Authorization": f"Bearer {ADMIN}"},
        ).status_code
        == 200
    )
    form = agent.get(f"{vuce.url}/contingencia?tipo=sol")
    after = agent.submit(form, {"ruc": RUC, "usuario": USER, "g-recaptcha-response": "x"})
    assert after.status_code in (200, 400), after.status_code  # 400: the captcha said no


def test_nothing_issued_before_a_redis_loss_is_accepted_after_it(private_redis):  # noqa: F811
    """Contingency links live in Redis: a used link must not become usable again when Redis
    comes back empty, nor may an unused one (both answer like unknown links); during the
    outage the store refuses with StoreUnavailable (the pages' 503), never a wrong answer."""
    from kvstore import StoreUnavailable, store_from_url
    from vuce_client.domain.contingency import LinkStatus
    from vuce_client.links import LinkService

    store = store_from_url(private_redis.url)
    links = LinkService("faults-link-secret-0123456789", store, ttl_seconds=600)
    used, _ = links.issue(1)
    assert links.consume(used).status is LinkStatus.VALID
    unused, _ = links.issue(2)
    private_redis.stop()
    with pytest.raises(StoreUnavailable):
        links.consume(unused)
    private_redis.start()
    deadline = time.monotonic() + 10
    while True:  # the client reconnects by itself
        try:
            statuses = (links.consume(used).status, links.consume(unused).status)
            break
        except StoreUnavailable:
            assert time.monotonic() < deadline, "the store did not reconnect"
            time.sleep(0.1)
    assert statuses == (LinkStatus.INVALID, LinkStatus.INVALID), statuses
