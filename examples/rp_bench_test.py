"""SOL's RP test bench run against a relying party: copy this file into your project.

Every fault of the catalogue (README, "Testing your relying party") is armed for your client
in turn; a login through your app must then be refused, without a session, except for
``key_rotation``, which it must accept after refetching JWKS. The next normal login must work.

    pip install vuce-sol          # gives the ``sol_idp`` pytest fixture (a live SOL)
    pytest rp_bench_test.py

``my_rp`` below is a stand-in relying party: the Flask client of Authlib, which validates the
ID token (signature with one JWKS refetch on an unknown ``kid``, iss, aud/azp, exp, iat,
nonce, at_hash), plus the two checks an application makes itself: the userinfo ``sub``
(OIDC Core 5.3.2) and the SOL claims it needs. Replace it with a fixture that starts YOUR app
and returns its base URL, its login path and the client it uses.
"""

from __future__ import annotations

import secrets
import socket
import threading

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session
from joserfc.errors import JoseError
from werkzeug.serving import make_server

# The catalogue (fixed names; the 422 of POST /api/v1/sim/rp-faults lists them too).
RP_FAULTS = (
    "id_token_bad_signature",
    "id_token_alg_none",
    "id_token_unknown_kid",
    "id_token_wrong_issuer",
    "id_token_wrong_audience",
    "id_token_extra_audience",
    "id_token_expired",
    "id_token_issued_in_future",
    "id_token_wrong_nonce",
    "id_token_missing_nonce",
    "id_token_bad_at_hash",
    "id_token_missing_sol_claims",
    "userinfo_wrong_sub",
    "key_rotation",
    "token_error",
    "token_server_error",
)
RUC = "20123456786"
USER = "OPERADOR"
CLIENT_ID = "my-rp"
CLIENT_SECRET = "my-rp-secret-0123456789"
SOL_CLAIMS = ("ruc", "user_type", "roles")


def create_rp(issuer: str, base_url: str) -> Flask:
    """A minimal relying party of SOL (the part of your app the bench exercises)."""
    app = Flask("my_rp")
    app.secret_key = secrets.token_hex(32)
    app.config["SESSION_COOKIE_NAME"] = "my_rp_session"  # one host: cookies ignore ports
    oauth = OAuth(app)
    sol = oauth.register(
        "sol",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email sol", "code_challenge_method": "S256"},
    )

    @app.get("/login")
    def login():
        return sol.authorize_redirect(f"{base_url}/callback")

    @app.get("/callback")
    def callback():
        session.pop("sub", None)
        try:
            token = sol.authorize_access_token()  # code exchange + ID token validation
            claims = token["userinfo"]
            info = sol.userinfo(token=token)
            if info.get("sub") != claims["sub"]:
                return "Ingreso rechazado: userinfo de otro usuario.", 400
            if any(name not in claims for name in SOL_CLAIMS):
                return "Ingreso rechazado: faltan datos del usuario SOL.", 400
        except requests.HTTPError:
            return "SOL no responde. Inténtelo más tarde.", 503
        except (OAuthError, JoseError, ValueError) as exc:
            return f"Ingreso rechazado ({type(exc).__name__}).", 400
        session["sub"] = claims["sub"]
        return redirect("/")

    @app.get("/")
    def home():
        if "sub" not in session:
            return redirect("/login")
        return "Bienvenido"

    return app


@pytest.fixture(scope="module")
def my_rp(sol_idp):
    """Your relying party, running, registered at SOL, with a user to log in."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    sol_idp.register_client(
        CLIENT_ID,
        secret=CLIENT_SECRET,
        redirect_uris=[f"{base_url}/callback"],
        first_party=True,
    )
    sol_idp.create_taxpayer(RUC)
    sol_idp.create_user(RUC, USER, roles=["VUCE.USUARIO.OPERACION"])
    server = make_server("127.0.0.1", port, create_rp(sol_idp.issuer, base_url), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base_url
    server.shutdown()


def _has_session(browser: requests.Session, base_url: str) -> bool:
    return browser.get(f"{base_url}/", allow_redirects=False, timeout=10).status_code == 200


@pytest.mark.parametrize("fault", RP_FAULTS)
def test_my_rp_on_the_bench(sol_idp, my_rp, fault):
    browser = requests.Session()
    with sol_idp.rp_fault(fault, client_id=CLIENT_ID):
        page = sol_idp.browser_login(f"{my_rp}/login", RUC, USER, http=browser)
    if fault == "key_rotation":
        assert page.status_code == 200 and page.text == "Bienvenido"
        assert _has_session(browser, my_rp)
    else:
        assert page.status_code in (400, 503), (page.status_code, page.text)
        assert not _has_session(browser, my_rp)
    # and then a normal login works
    page = sol_idp.browser_login(f"{my_rp}/login", RUC, USER, http=requests.Session())
    assert page.status_code == 200 and page.text == "Bienvenido"
