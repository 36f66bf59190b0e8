"""Request ids: honoured or made, returned, in every log line (text or JSON), sent on VUCE's
back-channel calls, and kept in the audit rows of both apps."""

import io
import json
import logging

import pytest
import requests
from flask import Flask, jsonify, request

from tests.support.live import LiveServer
from webcommon import logs, request_id
from webcommon.observe import RequestObserver


def _echo_app():
    """An app that logs one line and answers with the id it saw."""
    app = Flask("echo")

    @app.get("/")
    def index():
        logging.getLogger("echo").info("served")
        return jsonify(rid=request_id.current(), header=request.headers.get("X-Request-ID"))

    app.wsgi_app = RequestObserver(app.wsgi_app)
    return app


def test_a_well_formed_id_is_honoured_and_returned():
    client = _echo_app().test_client()
    resp = client.get("/", headers={"X-Request-ID": "abc-123_def.456"})
    assert resp.headers["X-Request-ID"] == "abc-123_def.456"
    assert resp.json["rid"] == "abc-123_def.456"
    assert request_id.current() is None  # unbound once the request is over


@pytest.mark.parametrize(
    "sent",
    [None, "short", "has space in it", "x" * 65, "forged]: INFO x", "<script>alert</script>"],
)
def test_a_missing_or_unsafe_id_is_replaced_by_a_new_one(sent):
    client = _echo_app().test_client()
    resp = client.get("/", headers={"X-Request-ID": sent} if sent is not None else {})
    made = resp.headers["X-Request-ID"]
    assert made != sent and len(made) == 32 and made.isalnum()
    assert resp.json["rid"] == made == resp.json["header"]  # Flask sees the id it answers with


def test_each_request_gets_its_own_id():
    client = _echo_app().test_client()
    ids = {client.get("/").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def _capture(log_format: str):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(log_format))
    logs.configure()  # installs the record factory (request_id on every record)
    logger = logging.getLogger("obs.capture")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, handler, stream


def test_text_lines_name_the_request_and_stay_unchanged_outside_one():
    logger, handler, stream = _capture("text")
    try:
        logger.info("outside")
        token = request_id.bind("req-0000abcd")
        try:
            logger.info("inside %s", 1)
        finally:
            request_id.unbind(token)
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == [
        "INFO obs.capture: outside",
        "INFO obs.capture [req-0000abcd]: inside 1",
    ]


def test_json_lines_are_one_object_each_with_the_request_id():
    logger, handler, stream = _capture("json")
    try:
        token = request_id.bind("req-0000abcd")
        try:
            logger.warning("login ok component=%s", "MR")
        finally:
            request_id.unbind(token)
        logger.info("no request")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "login ok component=MR"
    assert first["level"] == "WARNING" and first["logger"] == "obs.capture"
    assert first["request_id"] == "req-0000abcd" and first["time"]
    assert second["request_id"] is None


def test_log_format_is_a_setting_of_both_apps(tmp_path):
    from idp.config import ConfigError
    from idp.config import load_settings as idp_settings
    from vuce_client.config import load_settings as vuce_settings

    inst = {"INSTANCE_PATH": str(tmp_path)}
    assert idp_settings(inst, environ={})["LOG_FORMAT"] == "text"
    assert vuce_settings(inst, environ={"LOG_FORMAT": "json"})["LOG_FORMAT"] == "json"
    with pytest.raises(ConfigError):
        idp_settings(inst, environ={"LOG_FORMAT": "xml"})


def test_traced_session_sends_the_current_id_and_nothing_outside_a_request():
    seen = []

    def wsgi(environ, start_response):
        seen.append(environ.get("HTTP_X_REQUEST_ID"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = LiveServer(wsgi).start()
    try:
        http = request_id.TracedSession()
        http.get(server.url, timeout=5)
        token = request_id.bind("vuce-req-42424242")
        try:
            http.get(server.url, timeout=5)
            http.get(server.url, headers={"X-Request-ID": "explicit-1234"}, timeout=5)
        finally:
            request_id.unbind(token)
    finally:
        server.stop()
    assert seen == [None, "vuce-req-42424242", "explicit-1234"]


def test_idp_answers_and_audits_with_the_callers_id(idp):
    """An admin action sent with an id: the answer and the audit row carry it."""
    from idp.storage import db
    from idp.storage.audit import AuditEvent

    token = idp.app.config["ADMIN_TOKEN"]
    resp = requests.put(
        f"{idp.url}/api/v1/sim/outage",
        json={"mode": "down"},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "ops-change-0001"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Request-ID"] == "ops-change-0001"
    idp.set_outage("none")
    with idp.app.app_context():
        rows = db.session.query(AuditEvent).filter_by(request_id="ops-change-0001").all()
    assert rows and all(r.request_id == "ops-change-0001" for r in rows)


def test_idp_public_documents_carry_an_id_too(idp):
    resp = requests.get(f"{idp.url}/jwks", headers={"X-Request-ID": "jwks-probe-0001"}, timeout=5)
    assert resp.status_code == 200 and resp.headers["X-Request-ID"] == "jwks-probe-0001"
    resp = requests.get(f"{idp.url}/.well-known/openid-configuration", timeout=5)
    assert len(resp.headers["X-Request-ID"]) == 32


def test_idp_back_channel_logouts_carry_the_request_id():
    """notify() posts from a thread pool, which does not inherit the request's context."""
    from idp.oidc import logout

    seen = []

    def rp(environ, start_response):
        seen.append(environ.get("HTTP_X_REQUEST_ID"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    server = LiveServer(rp).start()
    try:
        token = request_id.bind("logout-req-0001")
        try:
            assert logout.notify([(server.url, "t1"), (server.url, "t2")], 5) == [True, True]
        finally:
            request_id.unbind(token)
    finally:
        server.stop()
    assert seen == ["logout-req-0001", "logout-req-0001"]


def test_vuce_contingency_switch_is_audited_with_the_request_id(tmp_path):
    from flask_migrate import upgrade

    from vuce_client import create_app
    from vuce_client.storage import AuditEvent, db

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "TESTING": True,
            "IDP_PROBE_ENABLED": False,
            "ADMIN_TOKEN": "vuce-admin-token-0123456789",
            "CONTINGENCY_MODE": "manual",
        }
    )
    with app.app_context():
        upgrade()
    resp = app.test_client().put(
        "/api/v1/contingency",
        json={"active": True},
        headers={
            "Authorization": "Bearer vuce-admin-token-0123456789",
            "X-Request-ID": "switch-req-0001",
        },
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.headers["X-Request-ID"] == "switch-req-0001"
    with app.app_context():
        row = db.session.query(AuditEvent).filter_by(event="CONTINGENCY_ON").one()
    assert row.request_id == "switch-req-0001"
