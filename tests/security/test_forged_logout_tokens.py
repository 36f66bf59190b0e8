"""Forged logout tokens against VUCE's back-channel logout receiver (live IdP and VUCE): the
receiver is reachable by anyone, and a token it accepts ends sessions (since issue #16, every
session of the ``sub``). ``alg:none``, HS256 keyed with the IdP's public key, a foreign RSA
key and a replayed genuine token must all be refused, leaving the session alive."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.contingency.helpers import RUC
from tests.support.agent import Agent
from tests.vuce_client.conftest import sol_login

OP = "VUCE.USUARIO.OPERACION"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _compact(header: dict, claims: dict, sign) -> str:
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    return head + "." + sign(head.encode())


@pytest.fixture
def logged_in(idp, cvuce):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1", roles=(OP,))
    cvuce.import_account(sol_username="OPERADO1", email="ana@example.pe")
    agent = Agent()
    page = sol_login(agent, cvuce, "MR", RUC, "OPERADO1")
    assert page.url == f"{cvuce.url}/mr/", page.text[:300]
    from vuce_client.services import sessions

    store = cvuce.store
    keys = [k for k in _keys(store) if k.startswith("vuce:sess:")]
    record = sessions.get(store, keys[0][len("vuce:sess:") :])
    return agent, record


def _keys(store):
    if hasattr(store, "_r"):
        return [k.decode() for k in store._r.scan_iter("vuce:sess:*")]
    return list(store._data)


def _claims(idp, record, client_id="vuce-mr"):
    now = int(time.time())
    return {
        "iss": idp.url,
        "aud": client_id,
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_urlsafe(16),
        "events": {EVENT: {}},
        "sub": record["sub"],
        "sid": record["components"]["MR"]["sid"],
    }


def _public_pem(idp) -> bytes:
    jwks = requests.get(f"{idp.url}/jwks", timeout=10).json()
    rsa = next(k for k in jwks["keys"] if k["kty"] == "RSA")
    return KeySet.import_key_set({"keys": [rsa]}).keys[0].as_pem(private=False)


def _forgeries(idp, record):
    kid = next(k["kid"] for k in requests.get(f"{idp.url}/jwks", timeout=10).json()["keys"])
    yield (
        "alg_none",
        _compact({"alg": "none", "typ": "logout+jwt"}, _claims(idp, record), lambda _: ""),
    )
    pem = _public_pem(idp)
    yield (
        "hs256_with_public_key",
        _compact(
            {"alg": "HS256", "kid": kid, "typ": "logout+jwt"},
            _claims(idp, record),
            lambda head: _b64(hmac.new(pem, head, hashlib.sha256).digest()),
        ),
    )
    foreign = RSAKey.generate_key(2048, parameters={"kid": kid})
    yield (
        "foreign_rsa_key_same_kid",
        jwt.encode(
            {"alg": "RS256", "kid": kid, "typ": "logout+jwt"}, _claims(idp, record), foreign
        ),
    )


def test_forged_logout_tokens_are_refused_and_the_session_lives(idp, cvuce, logged_in):
    agent, record = logged_in
    uri = f"{cvuce.url}/mr/backchannel-logout"
    for name, token in _forgeries(idp, record):
        r = requests.post(uri, data={"logout_token": token}, timeout=10)
        assert r.status_code == 400, (name, r.text)
        assert agent.get(f"{cvuce.url}/mr/").status_code == 200, name


def test_a_genuine_logout_token_is_accepted_once(idp, cvuce, logged_in):
    agent, record = logged_in
    with idp.app.app_context():
        from idp.oidc.logout import logout_token

        keyring = idp.app.extensions["sol_keyring"]
        genuine = logout_token(
            keyring, idp.url, "vuce-mr", record["sub"], record["components"]["MR"]["sid"]
        )
    uri = f"{cvuce.url}/mr/backchannel-logout"
    assert requests.post(uri, data={"logout_token": genuine}, timeout=10).status_code == 200
    page = agent.get(f"{cvuce.url}/mr/", stop_prefix=f"{cvuce.url}/mr/login")
    assert page.status_code == 302  # ended
    replay = requests.post(uri, data={"logout_token": genuine}, timeout=10)
    assert replay.status_code == 400  # a jti is accepted once
