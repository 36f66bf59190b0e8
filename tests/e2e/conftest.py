"""The whole product as a newcomer runs it: `vuce-sol up` (real granian IdP and VUCE, the mail
sink, the mail worker, the demo data) on free ports, driven by Debian's chromium.

One stack per test session; every story uses its own demo users, so the tests do not depend
on each other's order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.live import free_port
from tests.support.screens import SHOTS

ROOT = Path(__file__).resolve().parents[2]

PASSWORD = "Clave123"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class Stack:
    idp: str
    vuce: str
    inbox: str
    idp_admin_token: str
    vuce_admin_token: str
    log: Path


def _wait(log: Path, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if "Ctrl-C para detener" in text:
            return
        if proc.poll() is not None:
            raise RuntimeError(f"vuce-sol up exited ({proc.returncode}):\n{text[-4000:]}")
        time.sleep(0.3)
    raise RuntimeError(f"vuce-sol up not ready in {timeout} s:\n{text[-4000:]}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory, chromium_path):
    """`vuce-sol up` with the demo data (SQLite + in-process stores, as `make run`)."""
    pytest.importorskip("playwright.sync_api")
    tmp = tmp_path_factory.mktemp("e2e_stack")
    ports = {k: str(free_port()) for k in ("IDP_PORT", "VUCE_PORT", "MAIL_PORT", "MAIL_INBOX_PORT")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "VUCE_", "MAIL_"))}
    env.update(ports, VUCE_CONTINGENCY="manual")
    log = tmp / "up.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "launcher.cli", "up", "--instance", str(tmp / "instance")],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait(log, proc)
        inst = tmp / "instance"
        yield Stack(
            idp=f"http://127.0.0.1:{ports['IDP_PORT']}",
            vuce=f"http://127.0.0.1:{ports['VUCE_PORT']}",
            inbox=f"http://127.0.0.1:{ports['MAIL_INBOX_PORT']}",
            idp_admin_token=(inst / "idp_admin_token").read_text().strip(),
            vuce_admin_token=(inst / "vuce_admin_token").read_text().strip(),
            log=log,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser(stack, chromium_path):
    """Module scope: the sync API keeps an asyncio loop running while it is open, which other
    modules' ``sync_playwright()`` blocks refuse, so it must close before they run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile (no cookies) per test; console errors are collected."""
    context = browser.new_context(viewport={"width": 1200, "height": 860}, locale="es-PE")
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()


def shot(page, name: str) -> None:
    """Save a README screenshot (docs/screenshots/e2e-<name>.png)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e-{name}.png"), full_page=True)


def sol_form(page, ruc: str, usuario: str, clave: str = PASSWORD) -> None:
    """Fill and submit the SOL login form the browser is on."""
    page.fill("input[name=ruc]", ruc)
    page.fill("input[name=usuario]", usuario)
    page.fill("input[name=clave]", clave)
    page.locator("form button[type=submit]").first.click()


def vuce_login(
    page, stack: Stack, ruc: str, usuario: str, clave: str = PASSWORD, component: str = "mr"
) -> None:
    """VUCE's /login → "Importador/Exportador (Clave SOL)" of a component → SOL form."""
    page.goto(f"{stack.vuce}/login")
    page.locator(f"a[href='/{component}/login']").click()
    page.wait_for_url(f"{stack.idp}/**")
    sol_form(page, ruc, usuario, clave)


def api(stack: Stack, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{stack.idp}{path}",
        timeout=10,
        headers={"Authorization": f"Bearer {stack.idp_admin_token}"},
        **kwargs,
    )
