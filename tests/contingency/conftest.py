"""Fixtures of the contingency suite: the live IdP comes from tests/conftest.py."""

import time

import pytest
import requests

from idp.services import outage as outage_service
from launcher.mailsink import MailSink
from tests.contingency.helpers import ADMIN, RUC, set_outage
from tests.support.databases import flush_store, fresh_database_url, redis_url, truncate_all
from tests.support.live import LiveServer, free_port
from tests.vuce_client.conftest import register_vuce_clients


@pytest.fixture(autouse=True)
def _no_outage_leaks():
    """Never let a simulated outage (or its 1 s process cache) leak into the next test."""
    outage_service.cache._by_store.clear()
    yield
    outage_service.cache._by_store.clear()


@pytest.fixture(scope="session")
def smtp_sink():
    sink = MailSink(port=free_port()).start()
    yield sink
    sink.stop()


class ContingencyVuce:
    def __init__(self, app, server):
        self.app = app
        self.server = server
        self.url = server.url

    @property
    def state(self):
        return self.app.extensions["vuce_contingency"]

    @property
    def store(self):
        return self.app.extensions["vuce_core"].store

    def api(self, method, body=None):
        return requests.request(
            method,
            f"{self.url}/api/v1/contingency",
            json=body,
            timeout=5,
            headers={"Authorization": f"Bearer {ADMIN}"},
        )

    def import_account(self, **body):
        payload = {
            "user_type": "secondary",
            "ruc": RUC,
            "names": "PEREZ GOMEZ ANA",
            "notifications_consent": True,
            "last_roles": ["VUCE.USUARIO.OPERACION"],
            "last_status": "ACTIVO",
            "registered_as": "EMPRESA",
            **body,
        }
        r = requests.post(
            f"{self.url}/api/v1/accounts",
            json=payload,
            timeout=5,
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert r.status_code in (200, 201), r.text
        return r.json()

    def send_mail(self, now=None):
        """One pass of ``flask --app vuce_client mail-worker``."""
        from vuce_client import mail

        with self.app.app_context():
            return mail.send_pending(now=now)


@pytest.fixture(scope="session")
def cvuce_session(idp_session, smtp_sink, tmp_path_factory):
    from flask_migrate import upgrade

    from vuce_client import create_app

    tmp = tmp_path_factory.mktemp("vuce_contingency")
    port = free_port()
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp),
            "DATABASE_URL": fresh_database_url("vuce_cont", tmp),
            "REDIS_URL": redis_url(2),
            "BASE_URL": f"http://127.0.0.1:{port}",
            "IDP_ISSUER": idp_session.url,
            "SECRET_KEY": "test-secret-key-vuce-contingency-0123",
            "ADMIN_TOKEN": ADMIN,
            "IDP_TIMEOUT": 2.0,
            "CONTINGENCY_MODE": "auto",
            "CONTINGENCY_FAILURES": 2,
            "CONTINGENCY_RECOVERIES": 2,
            "IDP_PROBE_INTERVAL": 0.2,
            "IDP_PROBE_TIMEOUT": 0.5,
            "RECAPTCHA_BACKEND": "test",
            "CONTINGENCY_MIN_RESPONSE_MS": 150,
            "LINK_TTL_SECONDS": 600,
            "CONTINGENCY_RATE_IP": "1000 per minute",
            "CONTINGENCY_RATE_ACCOUNT": "5 per minute",
            "MAIL_SERVER": smtp_sink.host,
            "MAIL_PORT": smtp_sink.port,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    server = LiveServer(app, port).start()
    yield ContingencyVuce(app, server)
    app.extensions["vuce_contingency"].stop_probe()
    server.stop()


@pytest.fixture
def cvuce(idp, cvuce_session, smtp_sink):
    from vuce_client.storage import db

    state = cvuce_session.state
    with cvuce_session.app.app_context():
        truncate_all(db)
    flush_store(cvuce_session.store)
    cvuce_session.app.extensions["vuce_core"].meta._local.clear()
    state.links.clock = time.time
    register_vuce_clients(idp, cvuce_session.app)
    smtp_sink.clear()
    if not smtp_sink.running:
        smtp_sink.start()
    yield cvuce_session
    set_outage(idp, "none")
