"""What a person reads: `flask … --help` writes nothing, one warning line per command, no
library chatter, no ANSI codes when the output is not a terminal (issue 13, items 6 and 12)."""

import io
import os
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from launcher.cli import _pump
from tests.support.live import free_port
from webcommon import logs
from webcommon.settings import cli_help_only

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "VUCE_", "MAIL_"))}
    env["PYTHONPATH"] = str(ROOT)
    return {**env, **extra}


def _flask(cwd, *args):
    return subprocess.run(
        [FLASK, *args], cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("app", ["idp", "vuce_client"])
@pytest.mark.parametrize("args", [("--help",), ("db", "--help"), ("--help", "db")])
def test_help_writes_nothing(tmp_path, app, args):
    done = _flask(tmp_path, "--app", app, *args)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    assert list(tmp_path.iterdir()) == []  # no ./instance, no secrets, no SQLite file
    assert "WARNING" not in done.stderr


@pytest.mark.parametrize("app", ["idp", "vuce_client"])
def test_a_command_prints_one_warning_line_and_no_chatter(tmp_path, app):
    done = _flask(tmp_path, "--app", app, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    warnings = [line for line in output.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, warnings
    assert "development defaults" in warnings[0] and str(tmp_path / "instance") in warnings[0]
    assert "setup plugin" not in output
    assert "\x1b[" not in output
    assert (tmp_path / "instance").is_dir()  # a real command does keep its instance folder


def test_help_detection():
    assert cli_help_only(["/x/.venv/bin/flask", "--app", "idp", "--help"])
    assert cli_help_only(["/x/.venv/bin/flask", "--app", "idp", "users", "create", "--help"])
    assert cli_help_only(["/x/.venv/bin/flask", "-A", "idp"])
    assert cli_help_only(["/x/lib/flask/__main__.py", "--app=idp", "--debug"])
    assert not cli_help_only(["/x/.venv/bin/flask", "--app", "idp", "db", "upgrade"])
    assert not cli_help_only(["/x/.venv/bin/flask", "--app", "idp", "run", "-h", "0.0.0.0"])
    assert not cli_help_only(["/x/lib/pytest/__main__.py"])
    assert not cli_help_only(["/x/.venv/bin/granian", "--help"])


def test_launcher_strips_ansi_when_its_output_is_not_a_terminal():
    read, write = os.pipe()
    with os.fdopen(write, "w") as w:
        w.write('\x1b[33mGET /x HTTP/1.1" 404 -\x1b[0m\nplain\n')
    out = io.StringIO()
    with os.fdopen(read) as r:
        _pump(r, "correo", out)
    assert out.getvalue() == '[correo] GET /x HTTP/1.1" 404 -\n[correo] plain\n'
    assert logs.strip_ansi("\x1b[1;31mrojo\x1b[0m \x1b[2K") == "rojo "


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"port {port} never opened")


def test_mail_sink_logs_one_line_per_mail_and_nothing_per_connection(tmp_path):
    smtp, http = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher.mailsink", "--smtp-port", str(smtp)]
        + ["--http-port", str(http)],
        cwd=ROOT,
        env=_clean_env(PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_port(smtp)
        for _ in range(3):  # what the launcher's readiness probe does
            socket.create_connection(("127.0.0.1", smtp), timeout=5).close()
        with smtplib.SMTP("127.0.0.1", smtp, timeout=10) as client:
            client.sendmail("a@vuce.gob.pe", ["b@example.pe"], b"Subject: Hola\r\n\r\ncuerpo\r\n")
        _wait_port(http)
        for path in ("/", "/messages", "/nothing-here"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{http}{path}", timeout=10).read()
            except urllib.error.HTTPError:
                pass
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "correo 1 para b@example.pe: Hola" in output
    assert "mail.log" not in output and "Peer" not in output
    assert "werkzeug" not in output and "GET /" not in output
    assert "\x1b[" not in output
