"""The IdP process SIGKILLed: VUCE in ``auto`` mode switches to contingency within its configured
window (probe interval x failure threshold, plus a probe timeout), and leaves it once the IdP
runs again on the same port (interval x recovery threshold). Real processes: the IdP is a
granian server + worker on its own SQLite, VUCE a live server in this process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.contingency.helpers import wait_until
from tests.faults.services import free_port
from tests.support.databases import fresh_database_url
from tests.support.live import LiveServer

pytestmark = pytest.mark.slow

PROBE_INTERVAL = 0.25
PROBE_TIMEOUT = 0.5
FAILURES = 3
RECOVERIES = 2
VUCE_ADMIN = "vuce-admin-token-idp-killed-tests"


class IdpProcess:
    """``granian … idp:serve_app`` (WSGI) on a fixed port; killed with SIGKILL, started again."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = f"sqlite:///{tmp}/idp.sqlite3"
        self.log = tmp / "idp.log"
        self.env = {
            **os.environ,
            "IDP_ISSUER": self.url,
            "IDP_INSTANCE_PATH": str(tmp),
            "IDP_DATABASE_URL": self.db_url,
            "IDP_SECRET_KEY": "killed-idp-secret-0123",
            "IDP_ADMIN_TOKEN": "killed-idp-admin-token",
            "IDP_ARGON2_PROFILE": "fast",
            "IDP_KEY_LEAD_SECONDS": "0",
        }
        self.env.pop("IDP_REDIS_URL", None)  # its own in-process store: one worker
        self.proc: subprocess.Popen | None = None

    def migrate(self) -> None:
        from flask_migrate import upgrade

        from idp import create_app

        app = create_app(
            {
                "ISSUER": self.url,
                "INSTANCE_PATH": self.env["IDP_INSTANCE_PATH"],
                "DATABASE_URL": self.db_url,
                "SECRET_KEY": "x" * 32,
                "ADMIN_TOKEN": "migrate-only",
                "ARGON2_PROFILE": "fast",
            }
        )
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)

    def start(self, timeout: float = 30.0) -> float:
        """Start and wait until the JWKS is served; returns the boot time in seconds."""
        granian = str(Path(sys.executable).with_name("granian"))
        t0 = time.monotonic()
        with open(self.log, "ab") as log:
            # A new session: SIGKILL to the group takes the server and its worker at once.
            self.proc = subprocess.Popen(
                [
                    granian,
                    "--interface",
                    "wsgi",
                    "--factory",
                    "idp:serve_app",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                    "--blocking-threads",
                    "4",
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the IdP exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/jwks", timeout=1).json().get("keys"):
                    return time.monotonic() - t0
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"the IdP did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the server and its workers: no graceful shutdown, the port just dies."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def idp_process(tmp_path):
    server = IdpProcess(tmp_path)
    server.migrate()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def auto_vuce(idp_process, tmp_path, private_redis):  # noqa: F811 (fixture)
    from flask_migrate import upgrade

    from vuce_client import create_app

    port = free_port()
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": fresh_database_url("vuce_killed", tmp_path),
            # With TEST_REDIS_URL, the breaker lives in a Redis of this test only (no index shared
            # with the suite's other apps); else in the process, as an embedded VUCE keeps it.
            "REDIS_URL": private_redis.url if os.environ.get("TEST_REDIS_URL") else None,
            "BASE_URL": f"http://127.0.0.1:{port}",
            "IDP_ISSUER": idp_process.url,
            "SECRET_KEY": "test-secret-key-vuce-killed-0123456",
            "ADMIN_TOKEN": VUCE_ADMIN,
            "IDP_TIMEOUT": 1.0,
            "CONTINGENCY_MODE": "auto",
            "CONTINGENCY_FAILURES": FAILURES,
            "CONTINGENCY_RECOVERIES": RECOVERIES,
            "IDP_PROBE_INTERVAL": PROBE_INTERVAL,
            "IDP_PROBE_TIMEOUT": PROBE_TIMEOUT,
            "RECAPTCHA_BACKEND": "test",
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    state = app.extensions["vuce_contingency"]
    state.health.reset()  # a shared Redis may hold a breaker from another run
    server = LiveServer(app, port).start()
    yield app, server
    state.stop_probe()
    server.stop()


def _active(vuce_url: str) -> bool:
    r = requests.get(
        f"{vuce_url}/api/v1/contingency",
        timeout=5,
        headers={"Authorization": f"Bearer {VUCE_ADMIN}"},
    )
    assert r.status_code == 200, r.text
    return r.json()["active"]


def _login_page(vuce_url: str) -> requests.Response:
    return requests.get(
        f"{vuce_url}/mr/login", allow_redirects=False, timeout=5, headers={"Accept": "text/html"}
    )


def test_idp_sigkill_switches_to_contingency_and_back(idp_process, auto_vuce):
    app, vuce = auto_vuce
    # Worst case to switch on: the failure that starts the run may land just after a probe,
    # then FAILURES probes each up to a timeout apart; generous margin for a loaded machine.
    on_window = PROBE_INTERVAL * (FAILURES + 1) + PROBE_TIMEOUT * FAILURES + 2.0
    off_window = PROBE_INTERVAL * (RECOVERIES + 1) + 2.0
    wait_until(
        lambda: (
            app.extensions["vuce_contingency"].health.state().consecutive_successes >= RECOVERIES
        ),
        10,
        "the first probes",
    )
    assert not _active(vuce.url)
    before = _login_page(vuce.url)
    assert before.status_code in (302, 303) and before.headers["Location"].startswith(
        idp_process.url
    ), (before.status_code, before.headers.get("Location"))

    killed_at = time.monotonic()
    idp_process.kill()
    # Before the breaker opens, the SOL login answers the Spanish "SUNAT no responde" page
    # (503) or already the contingency form; never a 500 or a trace.
    early = _login_page(vuce.url)
    assert early.status_code in (302, 303, 503), early.status_code
    assert "Traceback" not in early.text
    wait_until(lambda: _active(vuce.url), on_window + 5, "contingency to switch on")
    switch_on = time.monotonic() - killed_at
    # While SOL is dead, the component login offers the contingency form, not a 500.
    during = requests.get(f"{vuce.url}/mr/login", timeout=5, headers={"Accept": "text/html"})
    assert during.status_code == 200, during.status_code
    assert "contingencia" in during.text.lower()

    restart_at = time.monotonic()
    boot = idp_process.start()
    wait_until(lambda: not _active(vuce.url), boot + off_window + 5, "contingency to switch off")
    switch_off = time.monotonic() - restart_at
    after = _login_page(vuce.url)
    assert after.status_code in (302, 303) and after.headers["Location"].startswith(idp_process.url)

    with app.app_context():
        history = [row.event for row in reversed(app.extensions["vuce_contingency"].history())]
    print(
        f"\n[idp SIGKILL] contingency ON {switch_on:.2f}s after the kill (window "
        f"{on_window:.2f}s: probe every {PROBE_INTERVAL}s, {FAILURES} failures, timeout "
        f"{PROBE_TIMEOUT}s); IdP restart took {boot:.2f}s; contingency OFF "
        f"{switch_off:.2f}s after the restart began ({switch_off - boot:.2f}s after the IdP "
        f"answered; window {off_window:.2f}s, {RECOVERIES} successes)"
    )
    assert switch_on <= on_window, f"switched on after {switch_on:.2f}s > {on_window:.2f}s"
    assert switch_off - boot <= off_window, f"switched off {switch_off - boot:.2f}s after boot"
    assert history[-2:] == ["CONTINGENCY_ON", "CONTINGENCY_OFF"], history
