"""Every grant and endpoint driven by Authlib's client against the IdP on a real port."""

import base64
import hashlib
import json
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt

from tests.idp.conftest import PASSWORD, RUC
from tests.support.agent import Agent, forms
from tests.support.oidc import REDIRECT, Flow, discover


def query(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def introspect(idp, token, hint=None):
    data = {"token": token}
    if hint:
        data["token_type_hint"] = hint
    return requests.post(
        f"{idp.url}/introspect", data=data, auth=("rp1", "s3cret-rp1"), timeout=30
    ).json()


def test_discovery_tells_the_truth(sol):
    meta = discover(sol.url)
    assert meta["issuer"] == sol.url
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["backchannel_logout_supported"] is True
    assert {"ruc", "sol_username", "roles", "profiles", "account_status"} <= set(
        meta["claims_supported"]
    )
    assert {"openid", "sol", "offline_access"} <= set(meta["scopes_supported"])
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
    ):
        assert requests.options(meta[key], timeout=30).status_code < 500
    jwks = requests.get(meta["jwks_uri"], timeout=30).json()
    assert {k["alg"] for k in jwks["keys"]} == {"RS256", "ES256"}
    assert all("d" not in k for k in jwks["keys"])  # never a private part


def test_id_token_claims_hashes_and_session(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    token = flow.full_login(RUC, "operado1", PASSWORD)
    claims = flow.id_claims(token["id_token"])
    assert claims["iss"] == sol.url and claims["aud"] == "rp1" and claims["azp"] == "rp1"
    assert claims["nonce"] == flow.nonce
    assert claims["amr"] == ["pwd"] and claims["acr"]
    assert claims["sid"] and 0 <= claims["iat"] - claims["auth_time"] < 300
    assert claims["exp"] > claims["iat"]
    half = hashlib.sha256(token["access_token"].encode()).digest()[:16]  # OIDC Core §3.1.3.6
    assert claims["at_hash"] == base64.urlsafe_b64encode(half).rstrip(b"=").decode()
    assert claims["user_type"] == "secondary" and claims["company_name"]
    assert claims["document_type"] == "DNI" and claims["document_number"] == "45678901"
    assert "refresh_token" not in token  # no offline_access, no refresh token (OIDC §11)


def test_userinfo_get_and_post(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    token = flow.full_login(RUC, "OPERADO1", PASSWORD)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    got = requests.get(f"{sol.url}/userinfo", headers=headers, timeout=30)
    posted = requests.post(f"{sol.url}/userinfo", headers=headers, timeout=30)
    assert got.status_code == posted.status_code == 200
    assert got.json() == posted.json()
    assert got.json()["roles"] == ["VUCE.USUARIO.OPERACION"]


@pytest.mark.parametrize("bad", ["garbage", "", "a" * 5000])
def test_userinfo_rejects_unknown_tokens(sol, bad):
    resp = requests.get(
        f"{sol.url}/userinfo", headers={"Authorization": f"Bearer {bad}"}, timeout=30
    )
    assert resp.status_code == 401


def test_userinfo_rejects_alg_none_and_tampered_and_expired(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    token = flow.full_login(RUC, "OPERADO1", PASSWORD)
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps({"sub": "x"}).encode()).rstrip(b"=").decode()
    for bad in (f"{header}.{body}.", token["access_token"][:-2] + "xx", token["id_token"]):
        resp = requests.get(
            f"{sol.url}/userinfo", headers={"Authorization": f"Bearer {bad}"}, timeout=30
        )
        assert resp.status_code == 401, bad
        assert "invalid_token" in resp.text
    # an expired token stops working at once, even before the store's TTL removes it
    from idp.services import tokens

    with sol.app.app_context():
        row = tokens.by_access(token["access_token"])
        tokens.save(
            {"access_token": token["access_token"], "expires_in": row.expires_in},
            client_id=row.client_id,
            account=row.account,
            family=row.family,
            now=row.issued_at - 10_000,
        )
    resp = requests.get(
        f"{sol.url}/userinfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=30,
    )
    assert resp.status_code == 401
    assert introspect(sol, token["access_token"]) == {"active": False}


def test_public_client_requires_pkce(sol):
    sol.register_client("spa", public=True, redirect_uris=[REDIRECT], first_party=True)
    agent = Agent()
    url = (
        f"{sol.url}/authorize?response_type=code&client_id=spa&scope=openid"
        f"&redirect_uri={REDIRECT}&state=s1"
    )
    # refused at /authorize already (RFC 9700: PKCE for every client), before any login
    refused = agent.get(url, stop_prefix=REDIRECT)
    assert query(refused.location)["error"] == "invalid_request"
    # and with PKCE the public client gets tokens
    flow = Flow(sol.url, "spa", None, agent=agent)
    token = flow.full_login(RUC, "OPERADO1", PASSWORD)
    assert token["access_token"]


def test_plain_pkce_is_refused(sol):
    url = (
        f"{sol.url}/authorize?response_type=code&client_id=rp1&scope=openid"
        f"&redirect_uri={REDIRECT}&state=s1&code_challenge="
        + "a" * 43
        + "&code_challenge_method=plain"
    )
    resp = Agent().get(url, stop_prefix=REDIRECT)
    assert query(resp.location)["error"] == "invalid_request"


def test_wrong_pkce_verifier_is_invalid_grant(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    page = flow.start()
    result = flow.login(page, RUC, "OPERADO1", PASSWORD)
    flow.verifier = "x" * 50
    with pytest.raises(Exception) as err:
        flow.token(result.location)
    assert "invalid_grant" in str(err.value)


@pytest.mark.parametrize(
    "redirect_uri", ["http://evil.example/cb", REDIRECT + "/extra", "http://127.0.0.1:9/cb?x=1"]
)
def test_unregistered_redirect_uri_is_never_followed(sol, redirect_uri):
    url = (
        f"{sol.url}/authorize?response_type=code&client_id=rp1&scope=openid"
        f"&redirect_uri={redirect_uri}&state=s1"
    )
    resp = requests.get(url, allow_redirects=False, timeout=30)
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    assert "No se pudo completar" in resp.text


def test_unknown_client_gets_an_error_page(sol):
    resp = requests.get(
        f"{sol.url}/authorize?response_type=code&client_id=nobody&redirect_uri={REDIRECT}",
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code in (400, 401) and "Location" not in resp.headers


def test_redirect_uri_mismatch_at_token_endpoint(sol):
    sol.register_client(
        "rp2",
        secret="s3cret-rp2",
        first_party=True,
        redirect_uris=[REDIRECT, "http://127.0.0.1:9/other"],
    )
    flow = Flow(sol.url, "rp2", "s3cret-rp2")
    result = flow.login(flow.start(), RUC, "OPERADO1", PASSWORD)
    code = query(result.location)["code"]
    resp = requests.post(
        f"{sol.url}/token",
        auth=("rp2", "s3cret-rp2"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1:9/other",
            "code_verifier": flow.verifier,
        },
        timeout=30,
    )
    assert resp.json()["error"] == "invalid_grant"


def test_code_replay_revokes_tokens_issued_from_it(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1", scope="openid sol offline_access")
    result = flow.login(flow.start(), RUC, "OPERADO1", PASSWORD)
    token = flow.token(result.location)
    assert introspect(sol, token["access_token"])["active"] is True
    code = query(result.location)["code"]
    replay = flow.post_code(code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert introspect(sol, token["access_token"]) == {"active": False}
    assert introspect(sol, token["refresh_token"]) == {"active": False}


def test_refresh_rotation_and_reuse_detection(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1", scope="openid sol offline_access")
    first = flow.full_login(RUC, "OPERADO1", PASSWORD)
    assert first["refresh_token"]
    second = flow.client.refresh_token(
        flow.meta["token_endpoint"], refresh_token=first["refresh_token"]
    )
    assert second["refresh_token"] != first["refresh_token"]
    assert introspect(sol, second["access_token"])["active"] is True
    # reusing the rotated token revokes the whole family
    reuse = requests.post(
        f"{sol.url}/token",
        auth=("rp1", "s3cret-rp1"),
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        timeout=30,
    )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert introspect(sol, second["access_token"]) == {"active": False}
    again = requests.post(
        f"{sol.url}/token",
        auth=("rp1", "s3cret-rp1"),
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        timeout=30,
    )
    assert again.status_code == 400


def test_refresh_with_narrower_scope_and_wrong_client(sol):
    sol.register_client("rp3", secret="s3cret-rp3", redirect_uris=[REDIRECT], first_party=True)
    flow = Flow(sol.url, "rp1", "s3cret-rp1", scope="openid sol offline_access")
    token = flow.full_login(RUC, "OPERADO1", PASSWORD)
    stolen = requests.post(
        f"{sol.url}/token",
        auth=("rp3", "s3cret-rp3"),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        timeout=30,
    )
    assert stolen.json()["error"] in ("invalid_grant", "unauthorized_client")
    wider = requests.post(
        f"{sol.url}/token",
        auth=("rp1", "s3cret-rp1"),
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "scope": "openid sol offline_access padron",
        },
        timeout=30,
    )
    assert wider.json()["error"] == "invalid_scope"
    narrower = requests.post(
        f"{sol.url}/token",
        auth=("rp1", "s3cret-rp1"),
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "scope": "openid",
        },
        timeout=30,
    )
    assert narrower.status_code == 200 and narrower.json()["scope"] == "openid"


def test_client_credentials_and_wrong_secret(sol):
    session = OAuth2Session("rp1", "s3cret-rp1", scope="padron")
    token = session.fetch_token(f"{sol.url}/token", grant_type="client_credentials")
    assert token["token_type"].lower() == "bearer" and "refresh_token" not in token
    info = introspect(sol, token["access_token"])
    assert info["active"] and info["client_id"] == "rp1" and "sub" not in info
    bad = requests.post(
        f"{sol.url}/token",
        auth=("rp1", "wrong"),
        data={"grant_type": "client_credentials"},
        timeout=30,
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    post_auth = requests.post(
        f"{sol.url}/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "rp1",
            "client_secret": "s3cret-rp1",
        },
        timeout=30,
    )
    assert post_auth.status_code == 401  # rp1 registered client_secret_basic only


def test_revocation_makes_tokens_inactive(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1", scope="openid sol offline_access")
    token = flow.full_login(RUC, "OPERADO1", PASSWORD)
    resp = requests.post(
        f"{sol.url}/revoke",
        auth=("rp1", "s3cret-rp1"),
        data={"token": token["refresh_token"], "token_type_hint": "refresh_token"},
        timeout=30,
    )
    assert resp.status_code == 200
    assert introspect(sol, token["refresh_token"]) == {"active": False}
    assert introspect(sol, token["access_token"]) == {"active": False}
    unknown = requests.post(
        f"{sol.url}/revoke", auth=("rp1", "s3cret-rp1"), data={"token": "nope"}, timeout=30
    )
    assert unknown.status_code == 200  # RFC 7009 §2.2


def test_introspection_requires_client_auth(sol):
    resp = requests.post(f"{sol.url}/introspect", data={"token": "x"}, timeout=30)
    assert resp.status_code == 401


def test_sso_second_client_needs_no_password(sol):
    sol.register_client("rp2", secret="s3cret-rp2", redirect_uris=[REDIRECT], first_party=True)
    agent = Agent()
    first = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
    first.full_login(RUC, "OPERADO1", PASSWORD)
    second = Flow(sol.url, "rp2", "s3cret-rp2", agent=agent)
    result = second.start()
    assert hasattr(result, "location")  # straight back to the client, no login page
    token = second.token(result.location)
    assert second.id_claims(token["id_token"])["sol_username"] == "OPERADO1"


def test_prompt_login_and_max_age_force_a_new_login(sol):
    agent = Agent()
    flow = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
    first = flow.id_claims(flow.full_login(RUC, "OPERADO1", PASSWORD)["id_token"])
    for params in ({"prompt": "login"}, {"max_age": "0"}):
        time.sleep(1.1)
        again = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
        page = again.start(**params)
        assert not hasattr(page, "location") and "Ingrese su Clave SOL" in page.text
        claims = again.id_claims(
            again.token(again.login(page, RUC, "OPERADO1", PASSWORD).location)["id_token"]
        )
        assert claims["auth_time"] > first["auth_time"]
        assert claims["sid"] != first["sid"]


def test_prompt_none_without_session_is_login_required(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    result = flow.start(prompt="none")
    params = query(result.location)
    assert params["error"] == "login_required" and params["state"] == flow.state


def test_id_token_hint_for_another_user_with_prompt_none(sol):
    sol.create_user(RUC, "OPERADO2")
    other = Flow(sol.url, "rp1", "s3cret-rp1")
    hint = other.full_login(RUC, "OPERADO2", PASSWORD)["id_token"]
    agent = Agent()
    Flow(sol.url, "rp1", "s3cret-rp1", agent=agent).full_login(RUC, "OPERADO1", PASSWORD)
    flow = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
    result = flow.start(prompt="none", id_token_hint=hint)
    assert query(result.location)["error"] == "login_required"
    same = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
    mine = same.token(same.start(prompt="none").location)["id_token"]
    ok = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent).start(prompt="none", id_token_hint=mine)
    assert "code" in query(ok.location)


def test_login_hint_prefills_the_form(sol):
    page = Flow(sol.url, "rp1", "s3cret-rp1").start(login_hint=RUC + "OPERADO1")
    fields = forms(page.text)[0]["fields"]
    assert fields["ruc"] == RUC and fields["usuario"] == "OPERADO1"


def test_a_refused_clave_shows_the_form_again_as_typed(sol):
    """The page after a wrong clave keeps the RUC and usuario typed, never the clave, and
    carries a CSRF token that the next POST is accepted with."""
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    refused = flow.login(flow.start(), RUC, "OPERADO1", "not-the-clave")
    assert refused.status_code == 401
    fields = forms(refused.text)[0]["fields"]
    assert fields["ruc"] == RUC and fields["usuario"] == "OPERADO1"
    assert fields["clave"] == "" and "not-the-clave" not in refused.text
    assert fields["csrf_token"] and fields["challenge"]
    assert hasattr(flow.login(refused, RUC, "OPERADO1", PASSWORD), "location")


def test_consent_for_third_party_clients(sol):
    sol.register_client("third", secret="s3cret-3rd", redirect_uris=[REDIRECT])
    agent = Agent()
    flow = Flow(sol.url, "third", "s3cret-3rd", agent=agent)
    page = flow.login(flow.start(), RUC, "OPERADO1", PASSWORD)
    assert "Autorizar acceso" in page.text and "sol" in page.text
    denied = agent.submit(page, button={"decision": "deny"}, stop_prefix=REDIRECT)
    assert query(denied.location)["error"] == "access_denied"
    assert (
        query(denied.location)["error_description"]
        == "El usuario no autorizo el acceso de la aplicacion"
    )
    flow2 = Flow(sol.url, "third", "s3cret-3rd", agent=agent)
    page = flow2.start()
    allowed = agent.submit(page, button={"decision": "allow"}, stop_prefix=REDIRECT)
    assert flow2.token(allowed.location)["access_token"]
    flow3 = Flow(sol.url, "third", "s3cret-3rd", agent=agent)
    assert hasattr(flow3.start(prompt="none"), "location")  # remembered


def test_authorize_shows_the_login_form_itself(sol):
    """No redirect to a login URL first: /authorize answers with the SOL form (or the
    Extranet one for login_type=extranet), whose POST goes to /login with its challenge."""
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    resp = requests.get(flow.authorize_url(), allow_redirects=False, timeout=30)
    assert resp.status_code == 200 and "Ingrese su Clave SOL" in resp.text
    assert "no-store" in resp.headers["Cache-Control"]  # a login page is never cached
    form = forms(resp.text)[0]
    assert form["action"] == "/login"
    assert {"csrf_token", "challenge", "ruc", "usuario", "clave"} <= set(form["fields"])
    extranet = requests.get(
        Flow(sol.url, "rp1", "s3cret-rp1").authorize_url(login_type="extranet"),
        allow_redirects=False,
        timeout=30,
    )
    form = forms(extranet.text)[0]
    assert extranet.status_code == 200 and form["action"] == "/login/extranet"
    assert "ruc" not in form["fields"] and "usuario" in form["fields"]


def test_the_login_form_answers_with_the_code_itself(sol):
    """POST /login resumes the pending authorization request in place: the browser goes from
    the form straight back to the client, not through /authorize a second time."""
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    result = flow.login(flow.start(), RUC, "OPERADO1", PASSWORD)
    assert urlparse(result.response.url).path == "/login"
    assert query(result.location)["state"] == flow.state
    assert flow.token(result.location)["access_token"]


def test_consent_right_after_a_forced_login_issues_the_code(sol):
    """prompt=login, then the consent page: the consent belongs to that fresh login, so
    allowing it gives the code instead of asking for the clave once more."""
    sol.register_client("third-fresh", secret="s3cret-3rd", redirect_uris=[REDIRECT])
    agent = Agent()
    Flow(sol.url, "rp1", "s3cret-rp1", agent=agent).full_login(RUC, "OPERADO1", PASSWORD)
    flow = Flow(sol.url, "third-fresh", "s3cret-3rd", agent=agent)
    page = flow.start(prompt="login")
    assert "clave" in forms(page.text)[0]["fields"]  # a login again, despite the session
    page = flow.login(page, RUC, "OPERADO1", PASSWORD)
    assert "Autorizar acceso" in page.text
    allowed = agent.submit(page, button={"decision": "allow"}, stop_prefix=REDIRECT)
    assert flow.token(allowed.location)["access_token"]
    # the consent is remembered; the next prompt=login still asks for the clave
    again = Flow(sol.url, "third-fresh", "s3cret-3rd", agent=agent)
    page = again.start(prompt="login")
    assert "clave" in forms(page.text)[0]["fields"]
    assert again.token(again.login(page, RUC, "OPERADO1", PASSWORD).location)["access_token"]


def test_logout_then_prompt_none_is_login_required(sol):
    agent = Agent()
    flow = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
    token = flow.full_login(RUC, "OPERADO1", PASSWORD)
    resp = agent.get(
        f"{sol.url}/logout?id_token_hint={token['id_token']}"
        "&post_logout_redirect_uri=http://127.0.0.1:9/bye&state=xyz",
        stop_prefix="http://127.0.0.1:9/bye",
    )
    assert resp.location == "http://127.0.0.1:9/bye?state=xyz"
    again = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent).start(prompt="none")
    assert query(again.location)["error"] == "login_required"


def test_logout_without_hint_asks_for_confirmation_and_never_redirects_unregistered(sol):
    agent = Agent()
    Flow(sol.url, "rp1", "s3cret-rp1", agent=agent).full_login(RUC, "OPERADO1", PASSWORD)
    page = agent.get(
        f"{sol.url}/logout?client_id=rp1&post_logout_redirect_uri=http://evil.example/"
    )
    assert "¿Desea cerrar su sesión SOL?" in page.text
    done = agent.submit(page)
    assert done.status_code == 200 and "Sesión cerrada" in done.text
    assert Flow(sol.url, "rp1", "s3cret-rp1", agent=agent).start(prompt="none").location


def test_session_id_changes_at_login(sol):
    agent = Agent()
    flow = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
    page = flow.start()
    before = agent.http.cookies.get("sol_session")
    flow.login(page, RUC, "OPERADO1", PASSWORD)
    after = agent.http.cookies.get("sol_session")
    assert before and after and before != after


def test_generic_error_and_lockout_after_five_failures(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    page = flow.start()
    wrong = {"ruc": RUC, "usuario": "OPERADO1", "clave": "Wrong1234"}
    for _ in range(5):  # the captcha (asked after 3 failures) is solved every time
        page = flow.agent.submit(page, dict(wrong, **{"g-recaptcha-response": "PASSED"}))
        assert page.status_code == 401
    assert "bloqueado temporalmente" in page.text
    locked = flow.agent.submit(
        page,
        {"ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD, "g-recaptcha-response": "PASSED"},
    )
    assert locked.status_code == 401 and "bloqueado" in locked.text
    # an unknown user gets the same generic message as a wrong clave
    other = Flow(sol.url, "rp1", "s3cret-rp1")
    p1 = other.agent.submit(other.start(), {"ruc": RUC, "usuario": "NOEXISTE", "clave": "x1"})
    p2 = other.agent.submit(p1, {"ruc": RUC, "usuario": "PRINCIPA", "clave": "Wrong1234"})
    assert "no son correctos" in p1.text and "no son correctos" in p2.text


def test_csrf_is_required_on_the_login_form(sol):
    page = Flow(sol.url, "rp1", "s3cret-rp1").start()
    challenge = forms(page.text)[0]["fields"]["challenge"]
    resp = requests.post(
        f"{sol.url}/login",
        data={"challenge": challenge, "ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code == 400 and "formulario" in resp.text


def test_expired_login_page_offers_a_way_back(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    page = flow.start(state="keepme")
    sol.store.delete(*[k for k in list(getattr(sol.store, "_data", {})) if k.startswith("authz:")])
    if hasattr(sol.store, "_r"):
        for key in sol.store._r.scan_iter("authz:*"):
            sol.store._r.delete(key)
    resp = flow.agent.submit(page, {"ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD})
    assert resp.status_code == 400 and "expiró" in resp.text
    back = forms(resp.text)[0]
    assert back["action"] == REDIRECT and back["fields"]["state"] == "keepme"


def test_es256_client_gets_es256_id_tokens(sol):
    sol.register_client(
        "rp-es",
        secret="s3cret-es",
        redirect_uris=[REDIRECT],
        first_party=True,
        id_token_signed_response_alg="ES256",
    )
    flow = Flow(sol.url, "rp-es", "s3cret-es")
    token = flow.full_login(RUC, "OPERADO1", PASSWORD)
    assert jwt.decode(token["id_token"], _keys(sol)).header["alg"] == "ES256"


def _keys(sol):
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(requests.get(f"{sol.url}/jwks", timeout=30).json())


def test_key_rotation_publishes_before_signing_and_keeps_old_keys(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    old_token = flow.full_login(RUC, "OPERADO1", PASSWORD)["id_token"]
    old_kid = jwt.decode(old_token, _keys(sol)).header["kid"]
    new_kids = sol.rotate_keys(lead=3600)
    sol.app.extensions["sol_keyring"].invalidate()
    published = {k["kid"] for k in _keys(sol).keys}
    assert set(new_kids) <= published and old_kid in published
    still_old = Flow(sol.url, "rp1", "s3cret-rp1").full_login(RUC, "OPERADO1", PASSWORD)
    assert jwt.decode(still_old["id_token"], _keys(sol)).header["kid"] == old_kid
    sol.rotate_keys(lead=0)
    sol.app.extensions["sol_keyring"].invalidate()
    fresh = Flow(sol.url, "rp1", "s3cret-rp1").full_login(RUC, "OPERADO1", PASSWORD)
    assert jwt.decode(fresh["id_token"], _keys(sol)).header["kid"] != old_kid
    jwt.decode(old_token, _keys(sol))  # the old key still verifies its tokens


def test_health_endpoints(sol):
    assert requests.get(f"{sol.url}/healthz", timeout=30).json()["status"] == "ok"
    ready = requests.get(f"{sol.url}/readyz", timeout=30)
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "store": "ok"}
