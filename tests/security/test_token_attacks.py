"""Issue #16, items 5 and 7, against the live IdP: introspecting another client's tokens, and
a confidential client's code flow without PKCE."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from tests.support.oidc import REDIRECT, Flow

from .conftest import PASSWORD, RUC

OTHER_REDIRECT = "http://127.0.0.1:9/other"


def _introspect(idp, token, client, secret, hint=None):
    data = {"token": token, **({"token_type_hint": hint} if hint else {})}
    r = requests.post(f"{idp.url}/introspect", data=data, auth=(client, secret), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _rp1_tokens(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1", scope="openid sol offline_access")
    token = flow.full_login(RUC, "OPERADO1", PASSWORD)
    assert token["access_token"] and token["refresh_token"]
    return token


# -- item 5 ------------------------------------------------------------------------------------


def test_a_client_cannot_introspect_another_clients_tokens(sol):
    sol.register_client(
        "rp2", secret="s3cret-rp2", redirect_uris=[OTHER_REDIRECT], scope="openid profile"
    )
    token = _rp1_tokens(sol)
    for value, hint in (
        (token["access_token"], None),
        (token["refresh_token"], None),
        (token["refresh_token"], "refresh_token"),
    ):
        # the attacker's own client learned sub, username and scopes from this
        assert _introspect(sol, value, "rp2", "s3cret-rp2", hint) == {"active": False}
        # the token's own client still may
        mine = _introspect(sol, value, "rp1", "s3cret-rp1", hint)
        assert mine["active"] is True and mine["client_id"] == "rp1" and mine["sub"]


def test_a_registered_resource_server_introspects_every_clients_tokens(sol):
    sol.register_client(
        "api1",
        secret="s3cret-api1",
        grant_types=["client_credentials"],
        scope="padron",
        introspection=True,
    )
    token = _rp1_tokens(sol)
    info = _introspect(sol, token["access_token"], "api1", "s3cret-api1")
    assert info["active"] is True and info["client_id"] == "rp1" and info["username"]


# -- item 7 ------------------------------------------------------------------------------------


def _authorize_without_pkce(sol, client_id):
    url = (
        f"{sol.url}/authorize?response_type=code&client_id={client_id}&scope=openid"
        f"&redirect_uri={REDIRECT}&state=s1&nonce=n1"
    )
    return Flow(sol.url, client_id).agent.get(url, stop_prefix=REDIRECT)


def test_a_confidential_client_must_use_pkce(sol):
    resp = _authorize_without_pkce(sol, "rp1")
    query = parse_qs(urlsplit(getattr(resp, "location", "")).query)
    assert query.get("error") == ["invalid_request"], getattr(resp, "text", "")[:300]
    assert "code" not in query


def test_a_legacy_client_registered_with_the_opt_out_may_skip_pkce(sol):
    sol.register_client(
        "legacy1",
        secret="s3cret-legacy1",
        redirect_uris=[REDIRECT],
        first_party=True,
        pkce_optional=True,
    )
    flow = Flow(sol.url, "legacy1", "s3cret-legacy1")
    flow.client.code_challenge_method = None  # an old RP: no code_challenge at all
    page = flow.start()
    result = flow.login(page, RUC, "OPERADO1", PASSWORD)
    code = parse_qs(urlsplit(result.location).query)["code"][0]
    r = requests.post(
        f"{sol.url}/token",
        auth=("legacy1", "s3cret-legacy1"),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["access_token"], r.text
