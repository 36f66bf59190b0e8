"""Inactive accounts, the VUCE profile gate, Extranet login and back-channel logout."""

import threading
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from idp.config import ConfigError, load_settings
from idp.domain import messages
from tests.idp.conftest import PASSWORD, RUC
from tests.support.agent import Agent
from tests.support.live import free_port
from tests.support.oidc import REDIRECT, Flow


def set_status(idp, username, status):
    from idp.storage import db
    from idp.storage.identities import SecondaryUser

    with idp.app.app_context():
        row = db.session.query(SecondaryUser).filter_by(ruc=RUC, username=username).one()
        row.status = status
        db.session.commit()


def error_of(result):
    return parse_qs(urlparse(result.location).query).get("error", [None])[0]


@pytest.mark.parametrize("status", ["SUSPENDIDO", "ELIMINADO"])
def test_inactive_accounts_only_for_clients_that_accept_them(sol, status):
    sol.create_user(RUC, "INACTIVO")
    set_status(sol, "INACTIVO", status)
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    denied = flow.login(flow.start(), RUC, "INACTIVO", PASSWORD)
    assert error_of(denied) == "access_denied"
    description = parse_qs(urlparse(denied.location).query)["error_description"][0]
    assert description == messages.OAUTH_ACCESS_DENIED_INACTIVE
    sol.register_client(
        "vuce-mr",
        secret="s3cret-mr",
        redirect_uris=[REDIRECT],
        first_party=True,
        accepts_inactive_accounts=True,
    )
    vuce = Flow(sol.url, "vuce-mr", "s3cret-mr")
    claims = vuce.id_claims(vuce.full_login(RUC, "INACTIVO", PASSWORD)["id_token"])
    assert claims["account_status"] == status


def test_vuce_profile_gate_for_secondary_users(sol):
    sol.register_client(
        "vuce-ga",
        secret="s3cret-ga",
        redirect_uris=[REDIRECT],
        first_party=True,
        required_profile="ADUANAS.VUCE",
    )
    sol.create_user(RUC, "SINPERFI", profiles=("OCE.DRAWBACK_WEB",))
    flow = Flow(sol.url, "vuce-ga", "s3cret-ga")
    denied = parse_qs(urlparse(flow.login(flow.start(), RUC, "SINPERFI", PASSWORD).location).query)
    assert denied["error"] == ["access_denied"] and denied["state"] == [flow.state]
    # a Spanish reason naming the missing profile (printable ASCII, RFC 6749 §4.1.2.1)
    assert denied["error_description"] == [
        messages.OAUTH_ACCESS_DENIED_PROFILE.format(profile="ADUANAS.VUCE")
    ]
    assert "perfil ADUANAS.VUCE (Mis tramites aduaneros / VUCE)" in denied["error_description"][0]
    ok = Flow(sol.url, "vuce-ga", "s3cret-ga")
    assert ok.full_login(RUC, "OPERADO1", PASSWORD)["access_token"]
    principal = Flow(sol.url, "vuce-ga", "s3cret-ga")  # principals need no profile
    claims = principal.id_claims(principal.full_login(RUC, "PRINCIPA", PASSWORD)["id_token"])
    assert claims["user_type"] == "principal" and "document_type" not in claims


def test_extranet_login_variant(sol):
    sol.create_extranet_user("EXT0001", email="func@digesa.gob.pe")
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    page = flow.start(login_type="extranet")
    assert "Ingresar a la Extranet" in page.text and 'name="ruc"' not in page.text
    result = flow.agent.submit(
        page, {"usuario": "ext0001", "clave": PASSWORD}, stop_prefix=REDIRECT
    )
    claims = flow.id_claims(flow.token(result.location)["id_token"])
    assert claims["user_type"] == "extranet" and claims["sol_username"] == "EXT0001"
    assert "ruc" not in claims


class Receiver:
    """A real HTTP endpoint that records back-channel logout tokens."""

    def __init__(self):
        self.tokens = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/backchannel"
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def app(self, environ, start_response):
        request = Request(environ)
        self.tokens.append(request.form.get("logout_token"))
        return Response("", status=200)(environ, start_response)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def test_rp_initiated_logout_sends_backchannel_logout_to_every_client(sol, receiver):
    sol.register_client(
        "rp-bc",
        secret="s3cret-bc",
        redirect_uris=[REDIRECT],
        first_party=True,
        backchannel_logout_uri=receiver.url,
    )
    agent = Agent()
    bc = Flow(sol.url, "rp-bc", "s3cret-bc", agent=agent)
    claims = bc.id_claims(bc.full_login(RUC, "OPERADO1", PASSWORD)["id_token"])
    rp1 = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
    hint = rp1.token(rp1.start().location)["id_token"]
    agent.get(f"{sol.url}/logout?id_token_hint={hint}")
    assert len(receiver.tokens) == 1
    keys = KeySet.import_key_set(requests.get(f"{sol.url}/jwks", timeout=30).json())
    token = jwt.decode(receiver.tokens[0], keys)
    assert token.header["typ"] == "logout+jwt"
    c = token.claims
    assert c["iss"] == sol.url and c["aud"] == "rp-bc" and c["sub"] == claims["sub"]
    assert c["sid"] == claims["sid"] and "nonce" not in c
    assert "http://schemas.openid.net/event/backchannel-logout" in c["events"]


def test_production_refuses_unsafe_settings(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings({"ENV": "production", "INSTANCE_PATH": str(tmp_path)}, environ={})
    text = str(err.value)
    for part in ("PostgreSQL", "Redis", "IDP_SECRET_KEY", "https"):
        assert part in text
    ok = load_settings(
        {"ENV": "production", "INSTANCE_PATH": str(tmp_path)},
        environ={
            "IDP_DATABASE_URL": "postgresql+psycopg://db/idp",
            "IDP_REDIS_URL": "redis://r:6379/0",
            "IDP_SECRET_KEY": "x" * 32,
            "IDP_ADMIN_TOKEN": "y" * 32,
            "IDP_SUBJECT_SALT": "z" * 32,
            "IDP_ISSUER": "https://sol.example.pe",
            "IDP_METRICS_TOKEN": "m" * 32,
        },
    )
    assert ok["SESSION_COOKIE_SECURE"] is True


def test_embedded_defaults_warn_once_each_and_keep_secrets(tmp_path):
    first = load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})
    second = load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]  # restarts keep cookies valid
    assert first["DATABASE_URL"].startswith("sqlite:///")
    assert len(first["_DEV_WARNINGS"]) == len(set(first["_DEV_WARNINGS"])) >= 3


def test_clients_file_is_loaded_at_start(tmp_path, idp):
    from idp import create_app
    from idp.services import clients
    from tests.support.databases import fresh_database_url

    path = tmp_path / "clients.yaml"
    path.write_text(
        "clients:\n"
        "  - client_id: from-file\n"
        "    secret: s3cret-file\n"
        "    redirect_uris: [http://127.0.0.1:9/cb]\n"
        "    first_party: true\n"
        "    backchannel_logout_uri: http://127.0.0.1:9/bc\n",
        encoding="utf-8",
    )
    settings = {
        "INSTANCE_PATH": str(tmp_path),
        "ARGON2_PROFILE": "fast",
        "DATABASE_URL": fresh_database_url("clientsfile", tmp_path),
    }
    app = create_app(settings)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    app = create_app(dict(settings, CLIENTS_FILE=str(path)))
    with app.app_context():
        row = clients.get("from-file")
        assert row.first_party and row.check_client_secret("s3cret-file")
        assert row.backchannel_logout_uri == "http://127.0.0.1:9/bc"
        assert row.client_secret_hash != "s3cret-file"  # hashed at rest
