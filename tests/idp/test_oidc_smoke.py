import pytest
from itsdangerous import BadSignature

from tests.support.oidc import REDIRECT, Flow

RUC = "20123456786"


def test_code_flow_with_pkce_releases_sol_claims(idp):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1", roles=("VUCE.USUARIO.OPERACION",))
    secret = idp.register_client(
        "rp1", secret="s3cret-rp1", redirect_uris=[REDIRECT], first_party=True
    )
    flow = Flow(idp.url, "rp1", secret)
    token = flow.full_login(RUC, "OPERADO1", "Clave123")
    claims = flow.id_claims(token["id_token"])
    assert claims["iss"] == idp.url
    assert claims["aud"] == "rp1"
    assert claims["nonce"] == flow.nonce
    assert claims["ruc"] == RUC
    assert claims["sol_username"] == "OPERADO1"
    assert claims["roles"] == ["VUCE.USUARIO.OPERACION"]
    assert claims["profiles"] == ["ADUANAS.VUCE"]
    info = flow.client.get(flow.meta["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"]
    assert info["account_status"] == "ACTIVO"


def test_jwks_and_discovery_are_cacheable_bytes_with_etag(idp):
    import requests

    for path in ("/jwks", "/.well-known/openid-configuration"):
        first = requests.get(idp.url + path, timeout=10)
        assert first.status_code == 200 and first.json()
        assert first.headers["Content-Type"] == "application/json"
        assert first.headers["Cache-Control"] == "public, max-age=60"
        etag = first.headers["ETag"]
        again = requests.get(idp.url + path, headers={"If-None-Match": etag}, timeout=10)
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == etag
        other = requests.get(idp.url + path, headers={"If-None-Match": '"x"'}, timeout=10)
        assert other.status_code == 200 and other.json() == first.json()


def test_machine_endpoints_neither_read_nor_set_the_session_cookie(idp):
    from idp.web.security import MACHINE_PATHS, SessionInterface

    assert SessionInterface().open_session(idp.app, type("R", (), {"path": "/userinfo"})) is None
    assert "/authorize" not in MACHINE_PATHS and "/logout" not in MACHINE_PATHS
    import requests

    resp = requests.get(
        idp.url + "/jwks", cookies={idp.app.config["SESSION_COOKIE_NAME"]: "x"}, timeout=10
    )
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers


def test_the_session_serializer_is_reused_until_the_keys_change(tmp_path):
    from idp import create_app
    from tests.support.databases import fresh_database_url

    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": fresh_database_url("sess", tmp_path)}
    )
    iface = app.session_interface
    first = iface.get_signing_serializer(app)
    assert iface.get_signing_serializer(app) is first
    cookie = first.dumps({"sid": "abc"})

    old_key, app.secret_key = app.secret_key, "another-secret-key-0123456789abcdef"
    rotated = iface.get_signing_serializer(app)
    assert rotated is not first
    with pytest.raises(BadSignature):
        rotated.loads(cookie)  # the old key no longer signs anything
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert iface.get_signing_serializer(app).loads(cookie) == {"sid": "abc"}  # but still reads
