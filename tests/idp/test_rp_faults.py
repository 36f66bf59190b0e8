"""RP test bench at the IdP: each fault is the good answer with one change, only for the armed
client, bounded by ``times``, visible, undoable, audited; off in production unless allowed."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from urllib.parse import urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from joserfc.jwk import KeySet

from idp.oidc import faults
from idp.testing.flows import CodeFlow, FlowError
from tests.support.production import idp_production_settings

RUC = "20123456786"
CLIENT, OTHER = "bench-rp", "bench-other"
SECRET = "bench-secret-0123456789"
REDIRECT = "http://127.0.0.1:9/cb"

EXPECTED_NAMES = [
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
]


@pytest.fixture
def bench(idp):
    idp.create_taxpayer(RUC)
    for client_id in (CLIENT, OTHER):
        idp.register_client(
            client_id, secret=SECRET, redirect_uris=[REDIRECT], first_party=True, scope=None
        )
    return idp


def _admin(idp):
    return {"Authorization": f"Bearer {idp.admin_token}"}


def _login(idp, client_id=CLIENT):
    flow = CodeFlow(client_id, REDIRECT, client_secret=SECRET, scope="openid profile email sol")
    login = {"ruc": RUC, "usuario": "PRINCIPA", "clave": "Clave123"}
    code = flow.authorize(idp.url, login, nonce=secrets.token_urlsafe(12))
    return flow, code


def _tokens(idp, client_id=CLIENT) -> dict:
    flow, code = _login(idp, client_id)
    return flow.redeem(idp.url, code)


def _parts(token: str) -> tuple[dict, dict]:
    def load(part):
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    head, body, _ = token.split(".")
    return load(head), load(body)


def _applied(idp) -> list:
    from idp.storage import db
    from idp.storage.audit import AuditEvent

    with idp.app.app_context():
        rows = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "RP_FAULT_APPLIED")
        ).all()
        return [(r.target, r.after["fault"]) for r in rows]


def test_the_catalogue_names_are_fixed():
    assert list(faults.NAMES) == EXPECTED_NAMES
    assert all(f.spec and f.spec_url.startswith("https://") for f in faults.CATALOGUE.values())


def test_api_arms_lists_clears_and_refuses_unknown_names(bench):
    base = f"{bench.url}/api/v1/sim/rp-faults"
    assert requests.get(base, timeout=5).status_code == 401
    created = requests.post(
        base,
        json={"client_id": CLIENT, "fault": "id_token_expired", "times": 2},
        headers=_admin(bench),
        timeout=5,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "client_id", "fault", "remaining", "created_at"}
    assert (body["client_id"], body["fault"], body["remaining"]) == (CLIENT, "id_token_expired", 2)
    second = requests.post(
        base, json={"client_id": OTHER, "fault": "token_error"}, headers=_admin(bench), timeout=5
    ).json()
    listed = requests.get(base, headers=_admin(bench), timeout=5).json()["faults"]
    assert [f["id"] for f in listed] == [body["id"], second["id"]]

    unknown = requests.post(
        base,
        json={"client_id": CLIENT, "fault": "id_token_rot13"},
        headers=_admin(bench),
        timeout=5,
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"] == "unknown_fault"
    assert unknown.json()["faults"] == EXPECTED_NAMES
    no_client = requests.post(
        base, json={"client_id": "nobody", "fault": "token_error"}, headers=_admin(bench), timeout=5
    )
    assert (no_client.status_code, no_client.json()["error"]) == (422, "unknown_client")
    bad_times = requests.post(
        base,
        json={"client_id": CLIENT, "fault": "token_error", "times": 0},
        headers=_admin(bench),
        timeout=5,
    )
    assert (bad_times.status_code, bad_times.json()["error"]) == (422, "invalid_rp_fault")

    one = requests.delete(f"{base}/{body['id']}", headers=_admin(bench), timeout=5)
    assert one.status_code == 200 and one.json()["id"] == body["id"]
    assert (
        requests.delete(f"{base}/{body['id']}", headers=_admin(bench), timeout=5).status_code == 404
    )
    assert [
        f["id"] for f in requests.get(base, headers=_admin(bench), timeout=5).json()["faults"]
    ] == [second["id"]]
    assert requests.get(f"{bench.url}/readyz", timeout=5).json()["sim_rp_faults"] == 1
    cleared = requests.delete(base, headers=_admin(bench), timeout=5).json()
    assert cleared == {"cleared": 1}
    assert requests.get(base, headers=_admin(bench), timeout=5).json() == {"faults": []}
    # the first token of CLIENT is good again
    assert bench.claims(_tokens(bench)["id_token"])["aud"] == CLIENT


def _good_and_faulty(idp, fault):
    good = _tokens(idp)
    with idp.rp_fault(fault, client_id=CLIENT):
        bad = _tokens(idp)
    return good, bad


@pytest.mark.parametrize(
    "fault,check",
    [
        ("id_token_wrong_issuer", lambda g, b: b["iss"] == faults.OTHER_ISSUER),
        ("id_token_wrong_audience", lambda g, b: b["aud"] == b["azp"] == faults.OTHER_CLIENT),
        (
            "id_token_extra_audience",
            lambda g, b: b["aud"] == [CLIENT, faults.UNTRUSTED_AUDIENCE] and "azp" not in b,
        ),
        ("id_token_expired", lambda g, b: b["exp"] < b["iat"]),
        ("id_token_issued_in_future", lambda g, b: b["iat"] >= g["iat"] + 3600),
        ("id_token_wrong_nonce", lambda g, b: b["nonce"] != g["nonce"]),
        ("id_token_missing_nonce", lambda g, b: "nonce" not in b and "nonce" in g),
        ("id_token_bad_at_hash", lambda g, b: b["at_hash"] != g["at_hash"]),
        (
            "id_token_missing_sol_claims",
            lambda g, b: not {"ruc", "user_type", "roles"} & set(b) and g["ruc"] == RUC,
        ),
    ],
)
def test_claims_faults_change_one_claim_and_keep_the_signature(bench, fault, check):
    good, bad = _good_and_faulty(bench, fault)
    good_claims = bench.claims(good["id_token"])
    bad_claims = bench.claims(bad["id_token"])  # still signed by SOL's published key
    assert check(good_claims, bad_claims)
    changed = {
        k
        for k in good_claims.keys() | bad_claims.keys()
        if k not in ("iat", "exp", "at_hash", "sid", "auth_time")
    }
    changed = {k for k in changed if good_claims.get(k) != bad_claims.get(k)}
    assert changed <= {"iss", "aud", "azp", "nonce", "ruc", "user_type", "roles"}, changed
    assert _applied(bench) == [(CLIENT, fault)]


def test_signature_faults(bench):
    keys = KeySet.import_key_set(requests.get(f"{bench.url}/jwks", timeout=5).json())
    _, bad_sig = _good_and_faulty(bench, "id_token_bad_signature")
    with pytest.raises(BadSignatureError):
        jwt.decode(bad_sig["id_token"], keys, algorithms=["RS256"])
    _, none = _good_and_faulty(bench, "id_token_alg_none")
    header, claims = _parts(none["id_token"])
    assert header["alg"] == "none" and none["id_token"].endswith(".") and claims["aud"] == CLIENT
    _, unknown = _good_and_faulty(bench, "id_token_unknown_kid")
    keys = KeySet.import_key_set(requests.get(f"{bench.url}/jwks", timeout=5).json())
    with pytest.raises(InvalidKeyIdError):
        jwt.decode(unknown["id_token"], keys, algorithms=["RS256"])
    assert [f for _, f in _applied(bench)] == [
        "id_token_bad_signature",
        "id_token_alg_none",
        "id_token_unknown_kid",
    ]


def test_key_rotation_publishes_the_new_key_at_that_moment(bench):
    before = {k["kid"] for k in requests.get(f"{bench.url}/jwks", timeout=5).json()["keys"]}
    _, rotated = _good_and_faulty(bench, "key_rotation")
    kid = _parts(rotated["id_token"])[0]["kid"]
    assert kid not in before
    after = {k["kid"] for k in requests.get(f"{bench.url}/jwks", timeout=5).json()["keys"]}
    assert after - before == {kid}
    assert bench.claims(rotated["id_token"])["aud"] == CLIENT
    # SOL knows its own token again as an id_token_hint (RP-initiated logout)
    resp = requests.get(
        f"{bench.url}/logout", params={"id_token_hint": rotated["id_token"]}, timeout=5
    )
    assert resp.status_code == 200 and "invalid_request" not in resp.text


def test_a_fault_hits_only_its_client_and_only_times_times(bench):
    with bench.rp_fault("id_token_wrong_audience", client_id=CLIENT, times=2) as armed:
        assert bench.claims(_tokens(bench, OTHER)["id_token"])["aud"] == OTHER
        assert bench.claims(_tokens(bench)["id_token"])["aud"] == faults.OTHER_CLIENT
        assert bench.rp_faults()[0]["remaining"] == 1
        assert bench.claims(_tokens(bench)["id_token"])["aud"] == faults.OTHER_CLIENT
        assert bench.rp_faults() == []
        assert bench.claims(_tokens(bench)["id_token"])["aud"] == CLIENT
    assert armed["remaining"] == 2
    assert _applied(bench) == [(CLIENT, "id_token_wrong_audience")] * 2


def test_token_endpoint_faults(bench):
    with bench.rp_fault("token_error", client_id=CLIENT):
        flow, code = _login(bench)
        with pytest.raises(FlowError, match="400.*invalid_grant"):
            flow.redeem(bench.url, code)
    with bench.rp_fault("token_server_error", client_id=CLIENT):
        flow, code = _login(bench)
        resp = requests.post(
            f"{bench.url}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": flow.verifier,
            },
            auth=(CLIENT, SECRET),
            timeout=5,
        )
        assert resp.status_code == 500
        assert resp.headers["Content-Type"].startswith("text/html")
        assert "Error interno del servidor" in resp.text
    # a wrong secret never consumes a fault: Authlib refuses the client as usual
    with bench.rp_fault("token_error", client_id=CLIENT):
        wrong = requests.post(
            f"{bench.url}/token",
            data={"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT},
            auth=(CLIENT, "wrong"),
            timeout=5,
        )
        assert wrong.json()["error"] == "invalid_client"
        assert bench.rp_faults()[0]["remaining"] == 1
    assert "id_token" in _tokens(bench)
    assert [f for _, f in _applied(bench)] == ["token_error", "token_server_error"]


def test_userinfo_wrong_sub(bench):
    tokens = _tokens(bench)
    sub = bench.claims(tokens["id_token"])["sub"]
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with bench.rp_fault("userinfo_wrong_sub", client_id=CLIENT):
        bad = requests.get(f"{bench.url}/userinfo", headers=headers, timeout=5).json()
    assert bad["sub"] != sub and bad["ruc"] == RUC
    good = requests.get(f"{bench.url}/userinfo", headers=headers, timeout=5).json()
    assert good["sub"] == sub
    assert _applied(bench) == [(CLIENT, "userinfo_wrong_sub")]


def test_production_turns_both_simulators_off(bench, monkeypatch):
    monkeypatch.setitem(bench.app.config, "ENV", "production")
    base = f"{bench.url}/api/v1/sim"
    for method, path in (("GET", "/rp-faults"), ("GET", "/outage"), ("DELETE", "/rp-faults")):
        resp = requests.request(method, base + path, headers=_admin(bench), timeout=5)
        assert (resp.status_code, resp.json()["error"]) == (403, "simulation_disabled")
    # a fault armed before (or by another instance) is not applied either
    monkeypatch.setitem(bench.app.config, "ENV", "development")
    bench.arm_rp_fault("id_token_wrong_audience", client_id=CLIENT)
    bench.set_outage("down")
    monkeypatch.setitem(bench.app.config, "ENV", "production")
    from idp.services import outage

    outage.cache.put(bench.store, outage.NORMAL)
    assert bench.claims(_tokens(bench)["id_token"])["aud"] == CLIENT
    monkeypatch.setitem(bench.app.config, "ALLOW_SIMULATION", True)
    outage.cache.put(bench.store, outage.read(bench.store))
    assert requests.get(f"{bench.url}/userinfo", timeout=5).status_code == 503
    bench.set_outage("none")
    assert bench.claims(_tokens(bench)["id_token"])["aud"] == faults.OTHER_CLIENT


def test_allowing_simulation_in_production_warns_at_start(caplog, tmp_path):
    from idp import create_app

    with caplog.at_level(logging.WARNING, logger="idp"):
        create_app(idp_production_settings(tmp_path, ALLOW_SIMULATION=True))
    assert any("IDP_ALLOW_SIMULATION=true" in r.getMessage() for r in caplog.records)


def test_cli_adds_lists_and_clears(bench, monkeypatch):
    # without Redis the commands go through the running server's API: this one's port
    monkeypatch.setitem(bench.app.config, "PORT", urlsplit(bench.url).port)
    runner = bench.app.test_cli_runner()
    added = runner.invoke(
        args=[
            "sim",
            "rp-fault",
            "add",
            "--client-id",
            CLIENT,
            "--fault",
            "token_error",
            "--times",
            "3",
        ]
    )
    assert added.exit_code == 0, added.output
    armed = json.loads(added.output)
    assert (armed["fault"], armed["remaining"]) == ("token_error", 3)
    listed = runner.invoke(args=["sim", "rp-fault", "list"])
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [armed["id"]]
    unknown = runner.invoke(
        args=["sim", "rp-fault", "add", "--client-id", CLIENT, "--fault", "nope"]
    )
    assert unknown.exit_code != 0 and "id_token_alg_none" in unknown.output
    cleared = runner.invoke(args=["sim", "rp-fault", "clear"])
    assert json.loads(cleared.output) == {"cleared": 1}
    assert bench.rp_faults() == []
