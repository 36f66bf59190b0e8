"""`vuce-sol up`: the plan it derives from the environment, the demo data, and a real start/stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from launcher import cli, demo
from tests.support.databases import fresh_database_url, redis_url
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_plan_defaults_follow_the_contract(tmp_path):
    plan = cli.make_plan(str(tmp_path), environ={})
    assert (plan.issuer, plan.vuce_url) == ("http://127.0.0.1:5000", "http://127.0.0.1:5001")
    assert plan.sink and plan.smtp == ("127.0.0.1", 1025)
    assert plan.env["VUCE_IDP_ISSUER"] == plan.issuer
    assert plan.env["IDP_INSTANCE_PATH"] == plan.env["VUCE_INSTANCE_PATH"] == str(tmp_path)
    assert plan.workers == 1  # the in-process store is single-process


def test_generated_secrets_survive_a_restart(tmp_path):
    first = cli.make_plan(str(tmp_path), environ={})
    second = cli.make_plan(str(tmp_path), environ={})
    assert first.idp_admin_token == second.idp_admin_token
    assert [c["secret"] for c in first.clients] == [c["secret"] for c in second.clients]
    assert oct((tmp_path / "vuce_client_secret_mr").stat().st_mode & 0o777) == "0o600"
    assert second.env["VUCE_CLIENT_SECRET_MR"] == first.clients[0]["secret"]


def test_env_vars_win(tmp_path):
    plan = cli.make_plan(
        str(tmp_path),
        environ={
            "IDP_PORT": "7000",
            "VUCE_PORT": "7001",
            "IDP_ADMIN_TOKEN": "tok-from-env-0123456789",
            "VUCE_CLIENT_ID_GA": "mi-ga",
            "VUCE_CLIENT_SECRET_GA": "secreto-ga-0123456789",
            "MAIL_SERVER": "smtp.example.com",
            "MAIL_PORT": "2525",
            "IDP_REDIS_URL": "redis://r/0",
            "VUCE_REDIS_URL": "redis://r/1",
        },
    )
    assert plan.issuer == "http://127.0.0.1:7000" and plan.vuce_url == "http://127.0.0.1:7001"
    assert plan.idp_admin_token == "tok-from-env-0123456789"
    ga = next(c for c in plan.clients if c["client_id"] == "mi-ga")
    assert ga["secret"] == "secreto-ga-0123456789"
    assert ga["redirect_uris"] == ["http://127.0.0.1:7001/ga/callback"]
    assert not plan.sink and plan.smtp == ("smtp.example.com", 2525)  # MAIL_SERVER → no sink
    assert plan.workers == 2  # shared store → several workers are safe


def test_client_registrations_match_what_vuce_builds(tmp_path):
    """The launcher's URIs and ids are the ones vuce_client's components actually use."""
    from vuce_client import create_app

    plan = cli.make_plan(str(tmp_path), environ={"VUCE_PORT": "5999"})
    settings = {"INSTANCE_PATH": str(tmp_path), "BASE_URL": plan.vuce_url}
    for comp in ("MR", "ORIGEN", "GA"):
        settings[f"CLIENT_SECRET_{comp}"] = plan.env[f"VUCE_CLIENT_SECRET_{comp}"]
    app = create_app(settings)
    by_id = {c["client_id"]: c for c in plan.clients}
    for auth in app.extensions["vuce_core"].components.values():
        c = by_id[auth.client_id]
        assert c["secret"] == auth.client_secret
        assert c["redirect_uris"] == [auth.redirect_uri]
        assert c["post_logout_redirect_uris"] == [auth.post_logout_redirect_uri]
        assert c["backchannel_logout_uri"] == auth.backchannel_logout_uri
        assert c["first_party"] and c["accepts_inactive_accounts"]
        assert c["required_profile"] == "ADUANAS.VUCE" and "padron" in c["scope"]


def test_demo_guide_names_only_users_of_the_demo_files():
    from idp.demo import DEMO_FILE
    from peru_ids import validate_ruc

    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    sol = {(t["ruc"], t["principal"]["username"]) for t in data["taxpayers"]}
    sol |= {(t["ruc"], u["username"]) for t in data["taxpayers"] for u in t.get("users", [])}
    sol |= {(None, e["username"]) for e in data["extranet_users"]}
    for ruc, _ in sol:
        assert ruc is None or validate_ruc(ruc) == ruc
    assert {(u.ruc, u.username) for u in demo.GUIDE} <= sol
    accounts = demo.read_vuce()["accounts"]
    for a in accounts:
        assert (a.get("ruc"), a["sol_username"]) in sol


def test_demo_loads_with_the_seed_command_and_vuce_services(tmp_path):
    """`flask --app idp seed --file idp/demo/demo.yaml`, then the VUCE side through its services."""
    from idp.demo import DEMO_FILE
    from idp.services import seed
    from idp.storage import db as idp_db
    from idp.testing import start_idp
    from vuce_client import create_app as vuce_app

    idp = start_idp(str(tmp_path / "idp"))
    try:
        with idp.app.app_context():
            counts = seed.load(seed.read(str(DEMO_FILE)))
            idp_db.session.commit()
        assert counts["taxpayers"] == 5 and counts["users"] == 13
        assert counts["extranet_users"] == 2 and counts["laboratories"] == 1
    finally:
        idp.stop()
    from flask_migrate import upgrade

    app = vuce_app({"INSTANCE_PATH": str(tmp_path / "vuce")})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        assert demo.load_vuce(demo.read_vuce()) == {"accounts": 5, "tramites": 2}
        from vuce_client.services import accounts

        exagente = accounts.get_by_key("sol:20123456786:EXAGENTE")
        assert accounts.has_tramites_with_role(exagente, "VUCE.USUARIO.AGENTE_ADUANA")
        assert accounts.principal_registered("20123456786")
        assert not accounts.principal_registered("20600000013")


def test_table_lists_urls_tokens_and_every_demo_user(tmp_path):
    plan = cli.make_plan(str(tmp_path), environ={})
    table = cli.render_table(plan, with_demo=True)
    for needle in (
        plan.issuer,
        f"{plan.vuce_url}/login",
        plan.inbox_url,
        plan.idp_admin_token,
        plan.vuce_admin_token,
        *(u.username for u in demo.GUIDE),
    ):
        assert needle in table
    assert "mensaje 4" in table and "apto para contingencia" in table


# -- a real start and stop ---------------------------------------------------------------------
def _wait_for(path: Path, text: str, proc, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = path.read_text(errors="replace") if path.exists() else ""
        if text in out:
            return out
        if proc.poll() is not None:
            pytest.fail(f"vuce-sol exited early ({proc.returncode}):\n{out[-4000:]}")
        time.sleep(0.3)
    pytest.fail(f"no {text!r} within {timeout} s:\n{out[-4000:]}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _start_up(tmp_path: Path) -> tuple[subprocess.Popen, dict[str, str], Path, dict[str, str]]:
    """`vuce-sol up` on free ports (PostgreSQL/Redis when TEST_DATABASE_URL/TEST_REDIS_URL)."""
    ports = {k: str(free_port()) for k in ("IDP_PORT", "VUCE_PORT", "MAIL_PORT", "MAIL_INBOX_PORT")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "VUCE_", "MAIL_"))}
    env.update(ports)
    if os.environ.get("TEST_DATABASE_URL"):
        env["IDP_DATABASE_URL"] = fresh_database_url("launcher_idp", tmp_path)
        env["VUCE_DATABASE_URL"] = fresh_database_url("launcher_vuce", tmp_path)
    if os.environ.get("TEST_REDIS_URL"):
        env["IDP_REDIS_URL"], env["VUCE_REDIS_URL"] = redis_url(12), redis_url(13)
        import redis

        for url in (env["IDP_REDIS_URL"], env["VUCE_REDIS_URL"]):
            redis.Redis.from_url(url).flushdb()
    log = tmp_path / "up.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "launcher.cli", "up", "--instance", str(tmp_path / "inst")],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, ports, log, env


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for whoever adopted it to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren: granian's workers), /proc."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


@pytest.mark.slow
def test_up_starts_everything_prints_the_table_and_stops_cleanly(tmp_path):
    """`vuce-sol up` on free ports (PostgreSQL/Redis when TEST_DATABASE_URL/TEST_REDIS_URL)."""
    proc, ports, log, _env = _start_up(tmp_path)
    try:
        out = _wait_for(log, "Ctrl-C para detener", proc)
        idp = f"http://127.0.0.1:{ports['IDP_PORT']}"
        vuce = f"http://127.0.0.1:{ports['VUCE_PORT']}"
        assert requests.get(f"{idp}/readyz", timeout=5).status_code == 200
        assert requests.get(f"{vuce}/readyz", timeout=5).status_code == 200
        assert "Clave SOL" in requests.get(f"{vuce}/login", timeout=5).text
        # the demo trámites notified their buzón: the worker delivered the copies to the sink
        inbox = f"http://127.0.0.1:{ports['MAIL_INBOX_PORT']}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            messages = requests.get(f"{inbox}/messages", timeout=5).json()
            if len(messages) >= 2:
                break
            time.sleep(0.5)
        assert {m["to"][0] for m in messages} >= {
            "exagente@importadora-andina.com.pe",
            "operador@importadora-andina.com.pe",
        }
        for u in demo.GUIDE:
            assert u.username in out
        children = [
            int(line.split()[0])
            for line in subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        assert len(children) >= 3
        # the mail worker yields the CPU to the servers (its outbox can wait a moment)
        nice = {
            Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")[-2]: int(
                Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[16]
            )
            for p in children
        }
        assert nice[b"mail-worker"] - min(nice.values()) == cli.MAIL_WORKER_NICE, nice
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0
    assert "detenido" in log.read_text()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in children if _alive(p)], "orphans left behind"
    for port in ports.values():
        assert cli.port_free("127.0.0.1", int(port))


def test_listening_on_every_interface_keeps_browser_urls_on_loopback(tmp_path):
    plan = cli.make_plan(str(tmp_path), environ={}, host="0.0.0.0")
    assert plan.issuer == "http://127.0.0.1:5000" and plan.inbox_url == "http://127.0.0.1:1080"
    argv = cli._server("idp", plan, 5000)
    assert argv[argv.index("--host") + 1] == "0.0.0.0" and "wsgi" in argv


def _blocking_threads(plan) -> dict[str, str]:
    argvs = {app: cli._server(app, plan, 1) for app in ("idp", "vuce_client")}
    return {app: argv[argv.index("--blocking-threads") + 1] for app, argv in argvs.items()}


def test_each_app_gets_its_own_thread_count(tmp_path):
    """VUCE's contingency floor holds a thread per request: it gets many; the IdP few."""
    plan = cli.make_plan(str(tmp_path), environ={})
    assert plan.workers == 1
    assert _blocking_threads(plan) == {"idp": "4", "vuce_client": "32"}
    plan = cli.make_plan(str(tmp_path), environ={"VUCE_SOL_VUCE_THREADS": "64"})
    assert plan.threads == {"idp": 4, "vuce_client": 64}


def test_several_idp_workers_get_one_thread_each_unless_told(tmp_path):
    """With the shared store the IdP runs a worker per core, each serving one request at a time
    (bench/README.md "Server configuration"); VUCE_SOL_IDP_THREADS still decides."""
    shared = {
        "IDP_REDIS_URL": "redis://127.0.0.1:6379/0",
        "VUCE_REDIS_URL": "redis://127.0.0.1:6379/1",
    }
    plan = cli.make_plan(str(tmp_path), environ=shared)
    assert plan.workers == 2
    assert _blocking_threads(plan) == {"idp": "1", "vuce_client": "32"}
    plan = cli.make_plan(str(tmp_path), environ={**shared, "VUCE_SOL_WORKERS": "1"})
    assert plan.threads["idp"] == 4
    plan = cli.make_plan(str(tmp_path), environ={**shared, "VUCE_SOL_IDP_THREADS": "3"})
    assert plan.threads["idp"] == 3


@pytest.mark.slow
def test_readyz_says_not_ready_until_the_demo_data_is_loaded(tmp_path):
    """#13 item 8: the servers start while the demo is still being seeded; the first 200 of
    either /readyz comes when every demo user exists at the IdP and VUCE's accounts are in."""
    proc, ports, log, env = _start_up(tmp_path)
    idp = f"http://127.0.0.1:{ports['IDP_PORT']}"
    vuce = f"http://127.0.0.1:{ports['VUCE_PORT']}"
    seen_loading = 0
    try:
        ready = None
        deadline = time.monotonic() + 120
        while ready is None and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-4000:]
            for base in (idp, vuce):
                try:
                    r = requests.get(f"{base}/readyz", timeout=2)
                except requests.RequestException:
                    continue  # not listening yet
                if r.status_code == 200:
                    ready = base
                    break
                seen_loading += r.json().get("checks", {}).get("demo_data") == "loading"
            time.sleep(0.05)
        assert ready, f"/readyz never 200:\n{log.read_text()[-4000:]}"
        token = {"Authorization": f"Bearer {(tmp_path / 'inst' / 'idp_admin_token').read_text()}"}
        from idp.demo import DEMO_FILE

        seeded = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
        paths = [f"taxpayers/{t['ruc']}" for t in seeded["taxpayers"]]
        paths += [
            f"taxpayers/{t['ruc']}/users/{u['username']}"
            for t in seeded["taxpayers"]
            for u in t.get("users", [])
        ]
        for path in paths:  # every taxpayer and secondary user of the demo is there
            got = requests.get(f"{idp}/api/v1/{path}", headers=token, timeout=5)
            assert got.status_code == 200, (path, got.status_code, got.text[:200])
        vuce_db = cli.database_url(env, "vuce", tmp_path / "inst")
        assert not cli.table_is_empty(vuce_db, "vuce_accounts")
        assert not (tmp_path / "inst" / "vuce_sol_loading").exists()
        _wait_for(log, "Ctrl-C para detener", proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    print(f"\n[ready means ready] /readyz said 'loading' {seen_loading} time(s) before a 200")


@pytest.mark.slow
def test_sigkilled_launcher_leaves_no_orphans(tmp_path):
    """#13 item 7: SIGKILL `vuce-sol up` (no chance to clean up): the kernel's parent-death
    signal stops the servers, the sink and the mail worker; none is left, every port is free."""
    proc, ports, log, _env = _start_up(tmp_path)
    try:
        _wait_for(log, "Ctrl-C para detener", proc)
        tree = _descendants(proc.pid)
        assert len(tree) >= 6  # 2 servers with their workers, the sink, the mail worker
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    # 15 s: the mail worker runs at nice 10, so on a busy 2-core machine (the full suite) it
    # can wait seconds for the CPU to act on its parent-death signal; 5 s once was too short.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (
        any(_running(p) for p in tree)
        or not all(cli.port_free("127.0.0.1", int(port)) for port in ports.values())
    ):
        time.sleep(0.1)
    left = [p for p in tree if _running(p)]
    assert not left, f"orphans left behind: {left}"
    for port in ports.values():
        assert cli.port_free("127.0.0.1", int(port)), port
