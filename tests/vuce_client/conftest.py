"""VUCE fixtures: a live VUCE (real port) wired to the live IdP of ``tests/conftest.py``.

SQLite + in-process store by default, PostgreSQL + Redis (index 1) with TEST_DATABASE_URL /
TEST_REDIS_URL.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.support.agent import Agent
from tests.support.databases import flush_store, fresh_database_url, redis_url, truncate_all
from tests.support.live import LiveServer, free_port

PASSWORD = "Clave123"
COMPONENTS = ("MR", "ORIGEN", "GA")


class Vuce:
    """Handle on the live VUCE app."""

    def __init__(self, app, server: LiveServer):
        self.app = app
        self.server = server
        self.url = server.url
        self.admin_token = app.config["ADMIN_TOKEN"]

    @property
    def core(self):
        return self.app.extensions["vuce_core"]

    @property
    def store(self):
        return self.core.store

    def import_account(self, **body):
        return requests.post(
            f"{self.url}/api/v1/accounts",
            json=body,
            timeout=10,
            headers={"Authorization": f"Bearer {self.admin_token}"},
        )

    def ctx(self):
        return self.app.app_context()

    def audit_events(self, event: str) -> list:
        return audit_events(self.app, event)


def last_refusal(app) -> str:
    """Why VUCE last refused a callback, from its audit trail (the page says only "try later")."""
    rows = audit_events(app, "LOGIN_REFUSED")
    return f"{rows[-1].reason}: {rows[-1].detail}" if rows else "no LOGIN_REFUSED row"


def audit_events(app, event: str) -> list:
    """VUCE's audit rows of one kind, oldest first (detached copies, safe after the context)."""
    from vuce_client.storage import db
    from vuce_client.storage.audit import AuditEvent

    with app.app_context():
        rows = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return rows


def register_vuce_clients(idp, vuce_app) -> None:
    """Register each VUCE component at the IdP as its operator would."""
    for auth in vuce_app.extensions["vuce_core"].components.values():
        idp.register_client(
            auth.client_id,
            secret=auth.client_secret,
            redirect_uris=[auth.redirect_uri],
            post_logout_redirect_uris=[auth.post_logout_redirect_uri],
            backchannel_logout_uri=auth.backchannel_logout_uri,
            first_party=True,
            accepts_inactive_accounts=True,
            grant_types=["authorization_code", "refresh_token", "client_credentials"],
            scope="openid profile email sol offline_access padron",
        )


@pytest.fixture(scope="session")
def vuce_session(idp_session, tmp_path_factory):
    from flask_migrate import upgrade

    from vuce_client import create_app

    tmp = tmp_path_factory.mktemp("vuce")
    port = free_port()
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp),
            "DATABASE_URL": fresh_database_url("vuce", tmp),
            "REDIS_URL": redis_url(1),
            "BASE_URL": f"http://127.0.0.1:{port}",
            "IDP_ISSUER": idp_session.url,
            "SECRET_KEY": "test-secret-key-vuce-0123456789",
            "ADMIN_TOKEN": "vuce-admin-token-for-tests",
            "IDP_TIMEOUT": 5.0,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    server = LiveServer(app, port).start()
    yield Vuce(app, server)
    server.stop()


@pytest.fixture
def vuce(idp, vuce_session):
    """The live VUCE, emptied before each test, with its clients registered at the IdP."""
    from vuce_client.storage import db

    with vuce_session.app.app_context():
        truncate_all(db)
    flush_store(vuce_session.store)
    vuce_session.core.meta._local.clear()
    register_vuce_clients(idp, vuce_session.app)
    return vuce_session


# -- browser helpers ---------------------------------------------------------------------------
def sol_login(
    agent: Agent,
    vuce: Vuce,
    component: str,
    ruc: str,
    usuario: str,
    clave: str = PASSWORD,
    prefix: str | None = None,
):
    """Start at the component's login, fill the SOL form, follow back to VUCE."""
    prefix = prefix or "/" + {"MR": "mr", "ORIGEN": "origen", "GA": "ga"}[component]
    page = agent.get(f"{vuce.url}{prefix}/login")
    if page.url.startswith(vuce.url):
        return _explained(vuce, page)  # SSO: no password asked
    return _explained(vuce, agent.submit(page, {"ruc": ruc, "usuario": usuario, "clave": clave}))


def _explained(vuce, page):
    """A 503 at the callback says only "SUNAT no responde"; fail with VUCE's audited reason
    (and the IdP's answer it saw) instead of a bare assertion on the page text."""
    if page.status_code == 503 and "/callback" in page.url:
        raise AssertionError(f"VUCE refused the callback {page.url}: {last_refusal(vuce.app)}")
    return page


def extranet_login(agent, vuce, usuario, clave=PASSWORD, prefix="/mr"):
    page = agent.get(f"{vuce.url}{prefix}/login?tipo=extranet")
    if page.url.startswith(vuce.url):
        return _explained(vuce, page)
    return _explained(vuce, agent.submit(page, {"usuario": usuario, "clave": clave}))


def register_form(agent, page, **fields):
    """Fill the registration wizard (no-JS path: server-side cascade reloads)."""
    data = {
        "names": "PEREZ GOMEZ JUAN",
        "address": "AV. LOS OLIVOS 123",
        "email": "juan@example.com",
        "notifications_consent": "1",
        "accept_terms": "2024-01",
    }
    data.update(fields)
    ubigeo_code = data.pop("ubigeo", "150101")
    page = agent.submit(page, {"department": ubigeo_code[:2], "action": "refresh"})
    page = agent.submit(
        page, {"department": ubigeo_code[:2], "province": ubigeo_code[:4], "action": "refresh"}
    )
    return agent.submit(
        page,
        dict(
            data,
            department=ubigeo_code[:2],
            province=ubigeo_code[:4],
            ubigeo=ubigeo_code,
            action="submit",
        ),
    )


def text_of(html: str, element_id: str) -> str | None:
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)<', html, re.S)
    return m.group(1).strip() if m else None
