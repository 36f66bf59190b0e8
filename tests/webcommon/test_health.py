"""Readiness and the launcher's loading flag (#13 item 8): both apps' /readyz answer 503 with
``demo_data: loading`` while the flag names a live launcher, and ignore a stale one."""

from __future__ import annotations

import os
import subprocess
import sys

import requests

from webcommon.health import LOADING_FILE, loading


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_loading_follows_the_flag_and_its_pid(tmp_path):
    assert not loading(str(tmp_path)) and not loading(None)
    flag = tmp_path / LOADING_FILE
    flag.write_text(str(os.getpid()))
    assert loading(str(tmp_path))
    flag.write_text(str(_dead_pid()))  # a launcher that was killed while loading
    assert not loading(str(tmp_path))
    flag.write_text("not a pid")
    assert not loading(str(tmp_path))


def test_both_apps_say_not_ready_while_loading(tmp_path):
    from flask_migrate import upgrade

    from idp.testing import start_idp
    from vuce_client import create_app as vuce_app

    idp = start_idp(str(tmp_path / "idp"))
    try:
        vuce = vuce_app({"INSTANCE_PATH": str(tmp_path / "vuce")})
        with vuce.app_context():
            upgrade(directory=vuce.extensions["migrate"].directory)
        client = vuce.test_client()
        flags = [tmp_path / "idp" / LOADING_FILE, tmp_path / "vuce" / LOADING_FILE]
        for flag in flags:
            flag.write_text(str(os.getpid()))
        busy = requests.get(f"{idp.url}/readyz", timeout=5)
        assert busy.status_code == 503 and busy.json()["checks"]["demo_data"] == "loading"
        assert busy.json()["checks"]["database"] == "ok"
        answer = client.get("/readyz")
        assert answer.status_code == 503 and answer.json["checks"]["demo_data"] == "loading"
        for flag in flags:
            flag.unlink()
        assert requests.get(f"{idp.url}/readyz", timeout=5).status_code == 200
        assert client.get("/readyz").status_code == 200
    finally:
        idp.stop()
