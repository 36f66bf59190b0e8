"""Forged or wrong callbacks are refused with a clear page and no session (real IdP keys)."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support.agent import Agent

from .conftest import PASSWORD, sol_login, text_of

RUC = "20123456786"
OP = "VUCE.USUARIO.OPERACION"


def _setup_user(idp, vuce):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1", roles=(OP,))
    vuce.import_account(
        user_type="principal",
        ruc=RUC,
        sol_username="PRINCIPA",
        last_roles=[],
        registered_as="EMPRESA",
    )
    vuce.import_account(
        user_type="secondary",
        ruc=RUC,
        sol_username="OPERADO1",
        email="op@example.com",
        last_roles=[OP],
        registered_as="EMPRESA",
    )


def _assert_refused(agent, vuce, page, code):
    assert page.status_code in (400, 403), page.text[:300]
    assert text_of(page.text, "error-code") == code, page.text[:600]
    assert "No se pudo completar el ingreso" in page.text
    after = agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login")
    assert after.status_code == 302  # no session


def _start(agent, vuce, idp):
    """Begin a VUCE login and stop at the IdP: returns the authorization request params."""
    hop = agent.get(f"{vuce.url}/mr/login", stop_prefix=idp.url)
    return {k: v[0] for k, v in parse_qs(urlsplit(hop.location).query).items()}


def test_bad_state_is_refused(idp, vuce):
    agent = Agent()
    _start(agent, vuce, idp)
    page = agent.get(f"{vuce.url}/mr/callback?code=abc&state=forged")
    _assert_refused(agent, vuce, page, "bad_state")


def test_replayed_code_is_refused(idp, vuce):
    _setup_user(idp, vuce)
    first = Agent()
    page = first.get(f"{vuce.url}/mr/login")
    hop = first.submit(
        page,
        {"ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD},
        stop_prefix=f"{vuce.url}/mr/callback",
    )
    callback = hop.location
    # a second browser with the same cookies (state still there) replays the same code
    second = Agent()
    second.http.cookies.update(first.http.cookies)
    ok = first.get(callback)
    assert ok.url == f"{vuce.url}/mr/"
    replay = second.get(callback)
    assert text_of(replay.text, "error-code") == "token_exchange_failed"


def _forged_callback(idp, vuce, monkeypatch, make_claims, key=None, kid=None):
    agent = Agent()
    params = _start(agent, vuce, idp)
    now = int(time.time())
    claims = {
        "iss": idp.url,
        "sub": "forged-sub",
        "aud": params["client_id"],
        "azp": params["client_id"],
        "iat": now,
        "exp": now + 300,
        "nonce": params["nonce"],
        "sid": "s1",
        "user_type": "secondary",
        "ruc": RUC,
        "sol_username": "OPERADO1",
        "roles": [OP],
        "account_status": "ACTIVO",
    }
    claims = make_claims(claims)
    if key is None:
        with idp.app.app_context():
            kid, key = idp.app.extensions["sol_keyring"].signing_key("RS256")
    token = jwt.encode({"alg": "RS256", "kid": kid}, claims, key, ["RS256"])
    auth = vuce.core.components["MR"]
    monkeypatch.setattr(
        auth.client,
        "fetch_access_token",
        lambda **kw: {"access_token": "x", "token_type": "Bearer", "id_token": token},
    )
    page = agent.get(f"{vuce.url}/mr/callback?code=anything&state={params['state']}")
    return agent, page


@pytest.mark.parametrize(
    "code,change",
    [
        ("wrong_audience", lambda c: dict(c, aud="another-client", azp="another-client")),
        ("wrong_azp", lambda c: dict(c, aud=[c["aud"], "another-client"], azp="another-client")),
        ("expired", lambda c: dict(c, iat=c["iat"] - 7200, exp=c["iat"] - 3600)),
        ("wrong_nonce", lambda c: dict(c, nonce="replayed-nonce")),
        ("wrong_issuer", lambda c: dict(c, iss="https://evil.example")),
    ],
)
def test_forged_id_token_is_refused(idp, vuce, monkeypatch, code, change):
    agent, page = _forged_callback(idp, vuce, monkeypatch, change)
    _assert_refused(agent, vuce, page, code)


def test_unknown_key_is_refused_after_one_refetch(idp, vuce, monkeypatch):
    fetches = []
    meta = vuce.core.meta
    real = meta._get_json
    monkeypatch.setattr(meta, "_get_json", lambda url: fetches.append(url) or real(url))
    agent, page = _forged_callback(
        idp, vuce, monkeypatch, lambda c: c, key=RSAKey.generate_key(2048), kid="not-published"
    )
    _assert_refused(agent, vuce, page, "unknown_key")
    assert sum(1 for u in fetches if u.endswith("/jwks")) <= 2  # cache + ONE refetch


def test_login_survives_key_rotation(idp, vuce):
    _setup_user(idp, vuce)
    assert sol_login(Agent(), vuce, "MR", RUC, "OPERADO1").url == f"{vuce.url}/mr/"
    idp.rotate_keys(lead=0)
    assert sol_login(Agent(), vuce, "MR", RUC, "OPERADO1").url == f"{vuce.url}/mr/"


class _BrokenTokenEndpoint(ThreadingHTTPServer):
    """A real HTTP server on loopback that answers every POST with one fixed reply: the
    token endpoint of a SOL in trouble (a gateway's HTML page, an OAuth error)."""

    def __init__(self, status: int, content_type: str, body: bytes):
        reply = (status, content_type, body)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(reply[0])
                self.send_header("Content-Type", reply[1])
                self.send_header("Content-Length", str(len(reply[2])))
                self.end_headers()
                self.wfile.write(reply[2])

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/token"


@pytest.mark.parametrize(
    "status,content_type,body,detail",
    [
        (503, "application/json", b'{"error": "temporarily_unavailable"}', "HTTPError: 503"),
        (500, "application/json", b'{"error": "server_error"}', "HTTPError: 500"),
        (502, "text/html", b"<html><body>Bad Gateway</body></html>", "HTTPError: 502"),
        (200, "text/html", b"<html><body>Portal cautivo</body></html>", "not a JSON object"),
        (None, None, None, "ConnectionError"),  # nothing listens
    ],
)
def test_token_endpoint_trouble_is_idp_unavailable(
    idp, vuce, monkeypatch, status, content_type, body, detail
):
    """SOL failing at the code exchange is "SOL no disponible" (503), never a refused login
    (400) nor a 500; the audit keeps the technical reason."""
    _setup_user(idp, vuce)
    if status is None:
        with socket.socket() as probe:  # a port nobody listens on once closed
            probe.bind(("127.0.0.1", 0))
            token_url = f"http://127.0.0.1:{probe.getsockname()[1]}/token"
        server = None
    else:
        server = _BrokenTokenEndpoint(status, content_type, body)
        token_url = server.url
    meta = vuce.core.meta
    real = meta.discovery
    monkeypatch.setattr(
        meta, "discovery", lambda force=False: dict(real(force), token_endpoint=token_url)
    )
    auth = vuce.core.components["MR"]
    auth.client.server_metadata.pop("token_endpoint", None)
    try:
        agent = Agent()
        page = agent.get(f"{vuce.url}/mr/login")
        page = agent.submit(page, {"ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD})
    finally:
        if server:
            server.shutdown()
    assert page.status_code == 503, page.text[:300]
    assert text_of(page.text, "error-code") == "idp_unavailable"
    assert "SUNAT no responde en este momento" in page.text
    refusal = vuce.audit_events("LOGIN_REFUSED")[-1]
    assert refusal.reason == "idp_unavailable" and detail in str(refusal.detail)


def test_user_without_the_vuce_profile_gets_a_page_that_explains_it(idp, vuce):
    from vuce_client.domain import messages

    auth = vuce.core.components["MR"]
    idp.register_client(  # as `vuce-sol up` registers it: the profile is required
        auth.client_id,
        secret=auth.client_secret,
        redirect_uris=[auth.redirect_uri],
        first_party=True,
        accepts_inactive_accounts=True,
        required_profile="ADUANAS.VUCE",
    )
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "SINPERFI", profiles=("OCE.DRAWBACK_WEB",), roles=(OP,))
    agent = Agent()
    page = sol_login(agent, vuce, "MR", RUC, "SINPERFI")
    assert page.status_code == 403 and page.url.startswith(f"{vuce.url}/mr/callback")
    assert "error_description=El+usuario+no+tiene+el+perfil" in page.url  # Spanish, from SOL
    assert text_of(page.text, "profile-missing") == messages.PROFILE_MISSING_TEXT
    assert "Mis trámites aduaneros / VUCE" in page.text
    assert "Modificar Perfiles" in page.text and "Usuario Principal" in page.text
    after = agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login")
    assert after.status_code == 302  # no session
