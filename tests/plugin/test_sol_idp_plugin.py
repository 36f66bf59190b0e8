"""The ``sol_idp`` pytest plugin as a third-party relying party uses it.

The first test writes a test module into an empty folder and runs pytest there in a subprocess:
no conftest, no project settings, only the installed entry point ``sol_idp``. The others use the
fixture directly (the plugin is loaded here too, since the package is installed).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import requests

THIRD_PARTY_TESTS = textwrap.dedent("""
    import requests

    RUC = "20123456786"
    SECRET = "third-party-secret-0123456789"


    def test_my_rp_receives_the_sol_claims(sol_idp):
        sol_idp.create_taxpayer(RUC, company_name="MI EMPRESA S.A.C.")
        sol_idp.create_user(RUC, "OPERADOR", roles=["VUCE.USUARIO.OPERACION"])
        sol_idp.register_client("my-rp", secret=SECRET,
                                redirect_uris=["http://127.0.0.1:9/callback"])
        tokens = sol_idp.login(RUC, "OPERADOR", "Clave123", client_id="my-rp",
                               client_secret=SECRET)
        claims = sol_idp.claims(tokens["id_token"])
        assert claims["ruc"] == RUC and claims["sol_username"] == "OPERADOR"
        assert claims["roles"] == ["VUCE.USUARIO.OPERACION"]
        info = requests.get(f"{sol_idp.issuer}/userinfo", timeout=10,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert info.json()["company_name"] == "MI EMPRESA S.A.C."


    def test_my_rp_survives_an_outage(sol_idp):
        with sol_idp.outage("down"):
            down = requests.get(f"{sol_idp.issuer}/.well-known/openid-configuration",
                                timeout=10)
            assert down.status_code == 503
        assert sol_idp.set_outage("none")["mode"] == "none"
""")


def test_a_third_party_project_uses_the_fixture(tmp_path):
    (tmp_path / "test_my_rp.py").write_text(THIRD_PARTY_TESTS)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_rp.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout


def test_login_mints_tokens_through_code_and_pkce(sol_idp):
    ruc = sol_idp.create_taxpayer("20600000013", principal_username="PRINCSUR")
    sol_idp.register_client(
        "plugin-fp",
        secret="plugin-fp-secret-0123456789",
        redirect_uris=["http://127.0.0.1:9/cb"],
        first_party=True,
        scope="openid profile email sol offline_access",
    )
    tokens = sol_idp.login(
        ruc,
        "PRINCSUR",
        client_id="plugin-fp",
        client_secret="plugin-fp-secret-0123456789",
        scope="openid sol offline_access",
    )
    assert tokens["token_type"].lower() == "bearer" and "refresh_token" in tokens
    claims = sol_idp.claims(tokens["id_token"])
    assert claims["user_type"] == "principal" and claims["aud"] in ("plugin-fp", ["plugin-fp"])


def test_consent_is_given_for_third_party_clients(sol_idp):
    sol_idp.create_taxpayer("20500000008", principal_username="PRINCAGE")
    sol_idp.register_client(
        "plugin-tp", secret="plugin-tp-secret-0123456789", redirect_uris=["http://127.0.0.1:9/cb"]
    )
    tokens = sol_idp.login(
        "20500000008",
        "PRINCAGE",
        client_id="plugin-tp",
        client_secret="plugin-tp-secret-0123456789",
    )
    assert sol_idp.claims(tokens["id_token"])["ruc"] == "20500000008"


def test_extranet_login_and_client_credentials(sol_idp):
    sol_idp.create_extranet_user("EXTPLUG1", entity="DIGESA")
    sol_idp.register_client(
        "plugin-cc",
        secret="plugin-cc-secret-0123456789",
        redirect_uris=["http://127.0.0.1:9/cb"],
        first_party=True,
        grant_types=["authorization_code", "client_credentials"],
        scope="openid profile email sol padron",
    )
    tokens = sol_idp.extranet_login(
        "EXTPLUG1", client_id="plugin-cc", client_secret="plugin-cc-secret-0123456789"
    )
    assert sol_idp.claims(tokens["id_token"])["user_type"] == "extranet"

    machine = sol_idp.client_credentials("plugin-cc", "plugin-cc-secret-0123456789", scope="padron")
    sol_idp.create_taxpayer("20000000010", principal_username="PRINCLAB")
    padron = requests.get(
        f"{sol_idp.issuer}/api/v1/taxpayers/20000000010",
        timeout=10,
        headers={"Authorization": f"Bearer {machine['access_token']}"},
    )
    assert padron.status_code == 200 and "company_name" in padron.json()


def test_outage_modes_are_set_and_cleared(sol_idp):
    assert sol_idp.set_outage("slow", latency_ms=300)["mode"] == "slow"
    started = time.monotonic()
    requests.get(f"{sol_idp.issuer}/.well-known/openid-configuration", timeout=10)
    assert time.monotonic() - started >= 0.3
    with sol_idp.outage("flaky", error_rate=1.0):
        assert requests.get(f"{sol_idp.issuer}/jwks", timeout=10).status_code == 503
    assert requests.get(f"{sol_idp.issuer}/jwks", timeout=10).status_code == 200
