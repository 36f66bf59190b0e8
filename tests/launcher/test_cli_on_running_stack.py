"""`flask --app idp sim outage` and `flask --app vuce_client contingency on|off` against a real
`vuce-sol up`: they change the running servers, or refuse and change nothing (issue 13, item 5).

Embedded (SQLite + in-process stores, as `make run`) the commands go through the admin APIs;
with TEST_DATABASE_URL/TEST_REDIS_URL the stack runs on PostgreSQL and Redis and the commands
write the shared store directly. Either way the running servers must see the change.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.launcher.test_launcher import _start_up, _wait_for
from tests.support.live import free_port

FLASK = str(Path(sys.executable).parent / "flask")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli_stack")
    proc, ports, log, env = _start_up(tmp)
    try:
        _wait_for(log, "Ctrl-C para detener", proc)
        # what a person's shell has after `make run`: the same environment and instance folder
        env = {
            **env,
            "IDP_INSTANCE_PATH": str(tmp / "inst"),
            "VUCE_INSTANCE_PATH": str(tmp / "inst"),
        }
        yield {
            "env": env,
            "idp": f"http://127.0.0.1:{ports['IDP_PORT']}",
            "vuce": f"http://127.0.0.1:{ports['VUCE_PORT']}",
            "idp_token": (tmp / "inst" / "idp_admin_token").read_text().strip(),
            "vuce_token": (tmp / "inst" / "vuce_admin_token").read_text().strip(),
            "tmp": tmp,
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def _cli(running, *args, **overrides):
    done = subprocess.run(
        [FLASK, *args],
        env={**running["env"], **overrides},
        cwd=running["tmp"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def _outage(running) -> str:
    return requests.get(
        f"{running['idp']}/api/v1/sim/outage",
        headers={"Authorization": f"Bearer {running['idp_token']}"},
        timeout=10,
    ).json()["mode"]


def _contingency(running) -> bool:
    return requests.get(
        f"{running['vuce']}/api/v1/contingency",
        headers={"Authorization": f"Bearer {running['vuce_token']}"},
        timeout=10,
    ).json()["active"]


def test_sim_outage_changes_the_running_idp(running):
    code, out = _cli(running, "--app", "idp", "sim", "outage", "down")
    assert code == 0, out
    assert '"mode": "down"' in out
    assert _outage(running) == "down"
    assert requests.get(f"{running['idp']}/authorize", timeout=10).status_code == 503
    code, out = _cli(running, "--app", "idp", "sim", "outage")
    assert code == 0 and '"mode": "down"' in out
    code, out = _cli(running, "--app", "idp", "sim", "outage", "none")
    assert code == 0 and '"mode": "none"' in out
    assert _outage(running) == "none"


def test_contingency_switches_the_running_vuce(running):
    code, out = _cli(running, "--app", "vuce_client", "contingency", "on")
    assert code == 0, out
    assert "contingencia ACTIVA" in out
    assert _contingency(running) is True
    code, out = _cli(running, "--app", "vuce_client", "contingency", "status")
    assert code == 0 and '"active": true' in out
    code, out = _cli(running, "--app", "vuce_client", "contingency", "off")
    assert code == 0 and "contingencia INACTIVA" in out
    assert _contingency(running) is False


def _embedded(running) -> bool:
    return not running["env"].get("IDP_REDIS_URL")


def test_a_server_that_is_not_there_gets_a_refusal_and_the_curl(running):
    if not _embedded(running):
        pytest.skip("with Redis the command writes the shared store: no server is needed")
    port = str(free_port())
    code, out = _cli(running, "--app", "idp", "sim", "outage", "down", IDP_PORT=port)
    assert code != 0
    assert "No se aplicó: el IdP en http://127.0.0.1:" + port + " no está en marcha" in out
    assert f"curl -X PUT http://127.0.0.1:{port}/api/v1/sim/outage" in out
    assert "idp_admin_token)" in out and running["idp_token"] not in out  # never the secret
    assert """-d '{"mode": "down"}'""" in out
    assert '"mode": "down"' not in out.replace("""'{"mode": "down"}'""", "")
    code, out = _cli(running, "--app", "vuce_client", "contingency", "on", VUCE_PORT=port)
    assert code != 0 and "No se aplicó: VUCE en" in out
    assert f"curl -X PUT http://127.0.0.1:{port}/api/v1/contingency" in out
    assert "contingencia ACTIVA" not in out
    assert _outage(running) == "none" and _contingency(running) is False


def test_another_instance_folder_is_refused_not_applied(running, tmp_path):
    if not _embedded(running):
        pytest.skip("with Redis the command writes the shared store: no token is involved")
    other = {"IDP_INSTANCE_PATH": str(tmp_path), "VUCE_INSTANCE_PATH": str(tmp_path)}
    code, out = _cli(running, "--app", "idp", "sim", "outage", "down", **other)
    assert code != 0 and "rechazó el token de administración" in out
    code, out = _cli(running, "--app", "vuce_client", "contingency", "on", **other)
    assert code != 0 and "rechazó el token de administración" in out
    assert _outage(running) == "none" and _contingency(running) is False
    assert os.path.exists(running["tmp"] / "inst" / "idp_admin_token")


def test_rp_faults_are_armed_in_the_running_idp(running):
    args = ("--app", "idp", "sim", "rp-fault")
    code, out = _cli(running, *args, "add", "--client-id", "vuce-mr", "--fault", "token_error")
    assert code == 0, out
    armed = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert armed["client_id"] == "vuce-mr" and armed["fault"] == "token_error"
    seen = requests.get(
        f"{running['idp']}/api/v1/sim/rp-faults",
        headers={"Authorization": f"Bearer {running['idp_token']}"},
        timeout=10,
    ).json()["faults"]
    assert [f["id"] for f in seen] == [armed["id"]]
    code, out = _cli(running, *args, "list")
    assert code == 0 and armed["id"] in out
    code, out = _cli(running, *args, "clear")
    assert code == 0 and '"cleared": 1' in out
    code, out = _cli(running, *args, "list")
    assert code == 0 and armed["id"] not in out
