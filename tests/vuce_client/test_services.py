"""Services and plumbing without the IdP: import API, mail outbox/worker, config, redirects."""

from __future__ import annotations

import ast
import pathlib
from datetime import timedelta

import pytest

from tests.support.databases import flush_store, fresh_database_url, redis_url, truncate_all

RUC = "20123456786"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from vuce_client import create_app

    tmp = tmp_path_factory.mktemp("vuce_unit")
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp),
            "DATABASE_URL": fresh_database_url("vuce_unit", tmp),
            "REDIS_URL": redis_url(1),
            "SECRET_KEY": "unit-secret-key-0123456789",
            "ADMIN_TOKEN": "unit-admin-token",
            "TESTING": True,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


@pytest.fixture
def client(app):
    from vuce_client.storage import db

    with app.app_context():
        truncate_all(db)
    flush_store(app.extensions["vuce_store"])
    return app.test_client()


AUTH = {"Authorization": "Bearer unit-admin-token"}
BODY = {
    "user_type": "secondary",
    "ruc": RUC,
    "sol_username": "usuario1",
    "names": "ANA",
    "email": "ana@example.com",
    "notifications_consent": True,
    "last_roles": ["VUCE.USUARIO.OPERACION"],
    "last_status": "ACTIVO",
    "registered_as": "EMPRESA",
}


def test_import_requires_the_admin_token(client):
    assert client.post("/api/v1/accounts", json=BODY).status_code == 401
    r = client.post("/api/v1/accounts", json=BODY, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized"


def test_import_creates_then_updates(client, app):
    r = client.post("/api/v1/accounts", json=BODY, headers=AUTH)
    assert r.status_code == 201 and r.json["account_key"] == f"sol:{RUC}:USUARIO1"
    r = client.post("/api/v1/accounts", json=dict(BODY, names="ANA MARIA"), headers=AUTH)
    assert r.status_code == 200 and r.json["created"] is False
    with app.app_context():
        from vuce_client.services import accounts

        acct = accounts.get_by_key(f"sol:{RUC}:USUARIO1")
        assert acct.registered and acct.names == "ANA MARIA" and acct.email_updated_at


@pytest.mark.parametrize(
    "change,code",
    [
        ({"colour": "red"}, "unknown_fields"),
        ({"ruc": "20512333798"}, "invalid_ruc"),
        ({"user_type": "admin"}, "invalid_user_type"),
        ({"email": "no-at-sign"}, "invalid_email"),
        ({"last_status": "BORRADO"}, "invalid_last_status"),
        ({"registered_as": "OTRO"}, "invalid_registered_as"),
        ({"last_roles": "VUCE.USUARIO.OPERACION"}, "invalid_last_roles"),
        ({"last_status": ["ACTIVO"]}, "invalid_last_status"),  # not a string: no 500
        ({"notifications_consent": "si"}, "invalid_notifications_consent"),
        ({"names": 7}, "invalid_names"),
        ({"user_type": "principal", "registered_as": "AGENTE_ADUANA"}, "invalid_registered_as"),
    ],
)
def test_import_rejects_bad_bodies_with_422(client, change, code):
    r = client.post("/api/v1/accounts", json=dict(BODY, **change), headers=AUTH)
    assert r.status_code == 422 and r.json["error"] == code and r.json["message"]


def test_health_and_security_headers(client):
    assert client.get("/healthz").json == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json["checks"] == {"database": "ok", "store": "ok"}
    page = client.get("/login")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    text = page.get_data(as_text=True)
    assert "Importador/Exportador (Clave SOL)" in text and "Funcionario (Extranet)" in text
    assert "© Copyright 2010 - MINCETUR. Todos los derechos reservados." in text
    assert "207-1510 / 713-4646 vuceayuda@mincetur.gob.pe" in text


def test_ubigeo_endpoints(client):
    deps = client.get("/api/ubigeo/departamentos").json
    assert len(deps) == 25
    assert {"code": "070107", "name": "Mi Perú"} in [
        {"code": d["code"], "name": d["name"]}
        for d in client.get("/api/ubigeo/distritos/0701").json
    ]


def test_forms_need_csrf(app, client):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    r = client.post("/mr/logout")
    assert r.status_code == 400 and "csrf_failed" in r.get_data(as_text=True)


def test_filing_drops_a_notification_and_a_durable_email(client, app):
    from vuce_client import mail
    from vuce_client.domain.tramites import FilingNotAllowed
    from vuce_client.services import accounts, notifications, tramites
    from vuce_client.storage import db

    with app.app_context():
        acct, _ = accounts.import_account(dict(BODY), terms_version="v1")
        t = tramites.file(
            acct,
            roles=["VUCE.USUARIO.OPERACION"],
            user_type="secondary",
            kind="CONSULTA_TECNICA",
            component="ORIGEN",
            subject="Consulta",
        )
        db.session.commit()
        assert t.filed_role == "VUCE.USUARIO.OPERACION" and t.number.startswith("CT-")
        assert len(notifications.buzon(acct, "own")) == 1
        rows = db.session.query(mail.OutboxEmail).all()
        assert [(r.to, r.kind, r.status) for r in rows] == [
            ("ana@example.com", "notification", "PENDING")
        ]
        with pytest.raises(FilingNotAllowed):
            tramites.file(
                acct,
                roles=["VUCE.USUARIO.SUPERVISOR"],
                user_type="secondary",
                kind="SUCE",
                component="ORIGEN",
                subject="x",
            )
        db.session.rollback()


def test_mail_worker_retries_with_backoff_then_sends(client, app):
    from vuce_client import mail
    from vuce_client.storage import db, utcnow

    with app.app_context():
        row = mail.enqueue("x@example.com", "Asunto", "Cuerpo", "notification")
        db.session.commit()

        def boom(_row):
            raise OSError("connection refused")

        now = utcnow()
        assert mail.send_pending(now=now, deliver=boom) == {"sent": 0, "retry": 1, "failed": 0}
        db.session.refresh(row)
        assert row.attempts == 1 and row.next_attempt_at >= now + timedelta(seconds=29)
        assert mail.send_pending(now=now)["sent"] == 0  # not due yet
        sent = []
        counts = mail.send_pending(now=now + timedelta(minutes=5), deliver=sent.append)
        assert counts["sent"] == 1 and len(sent) == 1
        db.session.refresh(row)
        assert row.status == "SENT"


def test_mail_worker_delivers_over_smtp(client, app):
    from aiosmtpd.controller import Controller

    from tests.support.live import free_port
    from vuce_client import mail
    from vuce_client.storage import db

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    state = app.extensions["mail"]
    old = (state.port, state.suppress)
    try:
        state.port, state.suppress = port, False  # Flask-Mail suppresses sends when testing
        with app.app_context():
            mail.enqueue(
                "rosa@example.com", "SUCE registrada", "Su SUCE fue registrada.", "notification"
            )
            db.session.commit()
            result = app.test_cli_runner().invoke(args=["mail-worker", "--once"])
            assert result.exit_code == 0, result.output
    finally:
        controller.stop()
        state.port, state.suppress = old
    assert received and received[0][0] == ["rosa@example.com"]
    assert "SUCE registrada" in received[0][1]


def test_safe_next_only_allows_local_paths():
    from vuce_client.web.security import safe_next

    for bad in (
        "https://evil.example/",
        "//evil.example",
        "/\\evil",
        "javascript:alert(1)",
        "evil",
        "/\nx",
    ):
        assert safe_next(bad, "/mr/") == "/mr/"
    assert safe_next("/mr/buzon?x=1", "/") == "/mr/buzon?x=1"


def test_production_refuses_unsafe_defaults():
    from vuce_client.config import ConfigError, load_settings

    with pytest.raises(ConfigError) as exc:
        load_settings({"ENV": "production"}, environ={})
    text = str(exc.value)
    for needle in (
        "VUCE_DATABASE_URL",
        "VUCE_REDIS_URL",
        "VUCE_SECRET_KEY",
        "VUCE_IDP_ISSUER",
        "VUCE_CLIENT_SECRET_MR",
    ):
        assert needle in text


def test_vuce_never_imports_idp():
    root = pathlib.Path(__file__).resolve().parents[2]
    for path in list((root / "vuce_client").rglob("*.py")) + list(
        (root / "examples").rglob("*.py")
    ):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not any(n == "idp" or n.startswith("idp.") for n in names), path
