"""``vuce-sol up``: the IdP, VUCE, the SMTP sink with its inbox and the mail worker, together.

Each service runs as a subprocess in its own process group with one environment built here from
the contract's env vars (contract.md "Processes and defaults"); Ctrl-C (SIGINT) or SIGTERM stops
every group, waits, and kills what is left. On Linux every child also gets SIGTERM from the
kernel when the launcher itself dies (PR_SET_PDEATHSIG), so even a SIGKILLed launcher leaves no
orphans holding the ports. Secrets the launcher generates (the VUCE client
secrets, the admin tokens) are kept in the instance folder so a restart keeps them.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vuce_client.config import COMPONENTS
from webcommon import logs, metrics
from webcommon.health import LOADING_FILE

from . import demo

PROFILE_VUCE = "ADUANAS.VUCE"
# the launcher's own variables (env, default, doc); the apps' tables live in their config modules
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("VUCE_SOL_INSTANCE", "./instance", "instance folder of `vuce-sol up` (or --instance DIR)"),
    ("VUCE_SOL_WORKERS", "1 (2 with both *_REDIS_URL)", "granian workers (processes) per app"),
    (
        "VUCE_SOL_IDP_THREADS",
        "4 (1 with several workers)",
        "granian blocking threads per IdP worker",
    ),
    ("VUCE_SOL_VUCE_THREADS", "32", "granian blocking threads per VUCE worker"),
    (
        "PROMETHEUS_MULTIPROC_DIR",
        "<instance>/metrics/idp, …/vuce",
        "folder of the workers' metric files, one per app, emptied at each start (vuce-sol up "
        "sets it; set it yourself when serving with granian directly)",
    ),
    ("MAIL_INBOX_PORT", "1080", "port of the sink's web inbox (no sink when MAIL_SERVER is set)"),
)
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
DEFAULT_INBOX_PORT = 1080
# Python threads per granian worker (requests it serves at once; bench/README.md "Server
# configuration"). The IdP's requests are short and CPU-bound, and threads of one process take
# turns at the GIL: with several workers, one thread each gave 1.10x the JWKS and 1.11x the
# logins of four (paired, same machine), for 0.86x the rotating refreshes, which wait on
# PostgreSQL. A single worker (the embedded store) keeps 4, so that one slow request does not
# hold the whole IdP. VUCE's contingency form holds its thread through a 250 ms
# anti-enumeration floor (a sleep), so a burst needs many (bench/README.md "Contingency burst").
DEFAULT_THREADS = {"idp": 4, "vuce_client": 32}
IDP_THREADS_MULTI_WORKER = 1


# -- configuration ----------------------------------------------------------------------------
def _secret_file(instance: Path, name: str) -> str:
    """The same format and file names the apps use for their own generated secrets."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _url_port(url: str, default: int) -> int:
    from urllib.parse import urlsplit

    return urlsplit(url).port or default


@dataclass
class Plan:
    """Everything ``up`` starts, derived from the environment and the options."""

    instance: Path
    env: dict[str, str]
    host: str
    idp_port: int
    vuce_port: int
    issuer: str
    vuce_url: str
    idp_admin_token: str
    vuce_admin_token: str
    clients: list[dict] = field(default_factory=list)
    sink: bool = True
    smtp: tuple[str, int] = ("127.0.0.1", 1025)
    inbox_port: int = DEFAULT_INBOX_PORT
    workers: int = 1
    threads: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_THREADS))

    @property
    def inbox_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.inbox_port}"


def vuce_clients(vuce_url: str, env: dict[str, str]) -> list[dict]:
    """The registrations of VUCE's three components at the IdP (IDP_CLIENTS_FILE fields).

    The URIs are the ones ``vuce_client.auth.VuceAuth`` builds: ``<base><prefix>/callback``,
    ``…/logged-out`` and ``…/backchannel-logout``. Every component may also use client_credentials
    with scope ``padron`` (VUCE's padrón and ITP lookups go through ``VUCE_PADRON_CLIENT``).
    """
    out = []
    for comp, (prefix, name, default_id) in COMPONENTS.items():
        base = f"{vuce_url}{prefix}"
        out.append(
            {
                "client_id": env.get(f"VUCE_CLIENT_ID_{comp}") or default_id,
                "secret": env[f"VUCE_CLIENT_SECRET_{comp}"],
                "name": f"VUCE - {name}",
                "redirect_uris": [f"{base}/callback"],
                "post_logout_redirect_uris": [f"{base}/logged-out"],
                "backchannel_logout_uri": f"{base}/backchannel-logout",
                "first_party": True,
                "accepts_inactive_accounts": True,
                "required_profile": PROFILE_VUCE,
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
                "scope": "openid profile email sol offline_access padron",
            }
        )
    return out


def make_plan(
    instance: str | None, environ: dict[str, str] | None = None, host: str = "127.0.0.1"
) -> Plan:
    """Resolve ports, URLs, secrets and the child environment (nothing is started)."""
    env = dict(os.environ if environ is None else environ)
    inst = Path(instance or env.get("VUCE_SOL_INSTANCE") or Path.cwd() / "instance").resolve()
    inst.mkdir(parents=True, exist_ok=True)
    env.setdefault("IDP_INSTANCE_PATH", str(inst))
    env.setdefault("VUCE_INSTANCE_PATH", str(inst))

    idp_port = int(env.get("IDP_PORT") or _url_port(env.get("IDP_ISSUER", ""), 5000))
    vuce_port = int(env.get("VUCE_PORT") or _url_port(env.get("VUCE_BASE_URL", ""), 5001))
    env["IDP_PORT"], env["VUCE_PORT"] = str(idp_port), str(vuce_port)
    public = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # what a browser can open
    issuer = (env.get("IDP_ISSUER") or f"http://{public}:{idp_port}").rstrip("/")
    vuce_url = (env.get("VUCE_BASE_URL") or f"http://{public}:{vuce_port}").rstrip("/")
    env["IDP_ISSUER"], env["VUCE_BASE_URL"] = issuer, vuce_url
    env.setdefault("VUCE_IDP_ISSUER", issuer)

    # secrets: env wins; otherwise generated once and kept in the instance folder
    if not env.get("IDP_ADMIN_TOKEN"):
        env["IDP_ADMIN_TOKEN"] = _secret_file(inst, "idp_admin_token")
    if not env.get("VUCE_ADMIN_TOKEN"):
        env["VUCE_ADMIN_TOKEN"] = _secret_file(inst, "vuce_admin_token")
    for comp in COMPONENTS:
        key = f"VUCE_CLIENT_SECRET_{comp}"
        if not env.get(key):
            env[key] = _secret_file(inst, f"vuce_client_secret_{comp.lower()}")

    sink = not env.get("MAIL_SERVER")
    if sink:
        env["MAIL_SERVER"] = "127.0.0.1"
        env.setdefault("MAIL_PORT", "1025")
    smtp = (env["MAIL_SERVER"], int(env.get("MAIL_PORT") or 1025))
    inbox_port = int(env.get("MAIL_INBOX_PORT") or DEFAULT_INBOX_PORT)
    # several granian workers need the shared store; the in-process one is single-process
    shared = env.get("IDP_REDIS_URL") and env.get("VUCE_REDIS_URL")
    workers = int(env.get("VUCE_SOL_WORKERS") or (2 if shared else 1))
    threads = {
        "idp": int(
            env.get("VUCE_SOL_IDP_THREADS")
            or (IDP_THREADS_MULTI_WORKER if workers > 1 else DEFAULT_THREADS["idp"])
        ),
        "vuce_client": int(env.get("VUCE_SOL_VUCE_THREADS") or DEFAULT_THREADS["vuce_client"]),
    }
    env.setdefault("PYTHONUNBUFFERED", "1")
    return Plan(
        instance=inst,
        env=env,
        host=host,
        idp_port=idp_port,
        vuce_port=vuce_port,
        issuer=issuer,
        vuce_url=vuce_url,
        idp_admin_token=env["IDP_ADMIN_TOKEN"],
        vuce_admin_token=env["VUCE_ADMIN_TOKEN"],
        clients=vuce_clients(vuce_url, env),
        sink=sink,
        smtp=smtp,
        inbox_port=inbox_port,
        workers=workers,
        threads=threads,
    )


# -- databases --------------------------------------------------------------------------------
def database_url(env: dict[str, str], app: str, instance: Path) -> str:
    """The URL each app will use (its env var, else its SQLite default under the instance)."""
    prefix = app.upper()
    return env.get(f"{prefix}_DATABASE_URL") or f"sqlite:///{instance / f'{app}.sqlite3'}"


def table_is_empty(url: str, table: str) -> bool:
    """True when ``table`` has no rows (or does not exist yet)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(table):
                return True
            return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0
    finally:
        engine.dispose()


# -- processes --------------------------------------------------------------------------------
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# The mail worker delivers an outbox: a few seconds late costs nothing, while the pages it would
# take CPU from are answering people (a contingency burst queues one e-mail per answer; on two
# cores the worker delivering during the burst halved the answers' rate: bench/README.md
# "Contingency burst"). It runs at a lower CPU priority; with idle CPU it is just as fast.
MAIL_WORKER_NICE = 10


def lower_priority(nice: int) -> None:
    """Nice the calling process, and its scheduler autogroup: with autogroups (Linux's default
    for desktops and many servers) a process that starts its own session is weighed against
    other sessions as a group, where its plain nice value counts for nothing."""
    os.nice(nice)
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:  # no autogroups here: the plain nice is what counts
        pass


def die_with_parent(nice: int = 0):
    """A ``preexec_fn`` that makes the child receive SIGTERM when this process dies, however it
    dies (SIGKILL included): Linux's parent-death signal, through libc's prctl. The signal is
    tied to the forking thread, so children are started from threads that outlive them (the
    main thread, or a thread that waits for its child). ``nice`` lowers the child's CPU
    priority. None when there is nothing to do (no prctl, no nice)."""
    if not sys.platform.startswith("linux"):
        return (lambda: lower_priority(nice)) if nice else None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here: the child only calls it
    launcher = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != launcher:  # the launcher died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)
        if nice:
            lower_priority(nice)

    return preexec


def _bin(name: str) -> str:
    """A console script of this environment (next to the running python), else from PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else (shutil.which(name) or name)


def _pump(stream, label: str, out) -> None:
    plain = not logs.is_terminal(out)  # colours only for a person's terminal
    for line in iter(stream.readline, ""):
        out.write(f"[{label}] {logs.strip_ansi(line) if plain else line}")
        out.flush()
    stream.close()


class Supervisor:
    """Child processes, each in its own process group, output prefixed with its name."""

    def __init__(self, env: dict[str, str], cwd: Path, out=sys.stdout) -> None:
        self.env = env
        self.cwd = cwd
        self.out = out
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(
        self, label: str, argv: list[str], env: dict | None = None, nice: int = 0
    ) -> subprocess.Popen:
        proc = subprocess.Popen(
            argv,
            env=self.env if env is None else {**self.env, **env},
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
            preexec_fn=die_with_parent(nice),
        )
        threading.Thread(target=_pump, args=(proc.stdout, label, self.out), daemon=True).start()
        self.procs.append((label, proc))
        return proc

    def run(self, label: str, argv: list[str]) -> None:
        """Run a one-shot command to completion; raise with its output when it fails."""
        done = subprocess.run(
            argv,
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            preexec_fn=die_with_parent(),
        )
        if done.returncode != 0:
            raise LaunchError(
                f"{label} falló ({' '.join(argv[1:4])}…):\n"
                f"{done.stdout[-3000:]}{done.stderr[-3000:]}"
            )

    def dead(self) -> tuple[str, int] | None:
        for label, proc in self.procs:
            if proc.poll() is not None:
                return label, proc.returncode
        return None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM every process group, wait, then SIGKILL what is left (no orphans)."""
        for _label, proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for _label, proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for _label, proc in self.procs:
            try:  # the group may outlive its leader (granian workers)
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()


class LaunchError(RuntimeError):
    """Something ``up`` needs did not start."""


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def wait_ready(
    url: str, deadline: float, sup: Supervisor, stopping: threading.Event | None = None
) -> None:
    while time.monotonic() < deadline:
        if stopping is not None and stopping.is_set():
            raise LaunchError("interrumpido durante el arranque")
        dead = sup.dead()
        if dead:
            raise LaunchError(f"{dead[0]} terminó con código {dead[1]} durante el arranque")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise LaunchError(f"{url} no respondió en {READY_TIMEOUT:.0f} s")


def _server(app: str, plan: Plan, port: int) -> list[str]:
    """granian serving ``app``'s factory over WSGI (bench/README.md "Serving floor")."""
    return [
        _bin("granian"),
        "--interface",
        "wsgi",
        "--factory",
        f"{app}:serve_app",
        "--host",
        plan.host,
        "--port",
        str(port),
        "--workers",
        str(plan.workers),
        "--blocking-threads",
        str(plan.threads[app]),
        "--workers-kill-timeout",
        "5",
        "--log-level",
        "warning",
    ]


def prepare(
    plan: Plan, sup: Supervisor, demo_data: bool, out=sys.stdout, after_migrations=None
) -> dict:
    """Migrate both databases, register VUCE's clients, load the demo when they are empty.

    ``after_migrations`` runs between the two (``up`` starts the servers there, so their boot
    overlaps the seeding: argon2 hashing of the demo claves is most of a first start).
    """
    flask = _bin("flask")
    report = {"idp_demo": False, "vuce_demo": False}
    errors: list[Exception] = []

    def guarded(fn, *args):
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported after join
            errors.append(exc)

    migrations = [
        threading.Thread(
            target=guarded, args=(sup.run, label, [flask, "--app", app, "db", "upgrade"])
        )
        for label, app in (("idp", "idp"), ("vuce", "vuce_client"))
    ]
    for t in migrations:
        t.start()
    for t in migrations:
        t.join()
    if errors:
        raise errors[0]
    if after_migrations is not None:
        after_migrations()

    idp_url = database_url(plan.env, "idp", plan.instance)
    vuce_url = database_url(plan.env, "vuce", plan.instance)
    seed: dict = {"clients": plan.clients}
    if demo_data and table_is_empty(idp_url, "taxpayer"):
        seed.update(yaml.safe_load(Path(_idp_demo_file()).read_text(encoding="utf-8")))
        report["idp_demo"] = True
    seed_file = plan.instance / "vuce_sol_seed.yaml"
    seed_file.write_text(
        yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    seed_file.chmod(0o600)  # it holds the client secrets
    jobs = [
        threading.Thread(
            target=guarded,
            args=(sup.run, "idp seed", [flask, "--app", "idp", "seed", "--file", str(seed_file)]),
        )
    ]
    if demo_data and table_is_empty(vuce_url, "vuce_accounts"):
        jobs.append(
            threading.Thread(
                target=guarded, args=(sup.run, "vuce demo", [sys.executable, "-m", "launcher.demo"])
            )
        )
        report["vuce_demo"] = True
    for t in jobs:
        t.start()
    for t in jobs:
        t.join()
    if errors:
        raise errors[0]
    return report


def _idp_demo_file() -> str:
    from idp.demo import DEMO_FILE

    return str(DEMO_FILE)


def _mailsink_argv(plan: Plan) -> list[str]:
    """helper-6's sink (``launcher.mailsink``); its messages are also kept as .eml files."""
    return [
        sys.executable,
        "-m",
        "launcher.mailsink",
        "--host",
        plan.smtp[0],
        "--smtp-port",
        str(plan.smtp[1]),
        "--http-port",
        str(plan.inbox_port),
        "--folder",
        str(plan.instance / "mail"),
    ]


def check_ports(plan: Plan) -> None:
    busy = [p for p in (plan.idp_port, plan.vuce_port) if not port_free(plan.host, p)]
    if plan.sink:
        busy += [p for p in (plan.smtp[1], plan.inbox_port) if not port_free(plan.host, p)]
    if busy:
        raise LaunchError(
            f"puertos en uso: {', '.join(map(str, busy))} (¿otro vuce-sol "
            "corriendo? cambie IDP_PORT / VUCE_PORT / MAIL_PORT / MAIL_INBOX_PORT)"
        )


def start_services(plan: Plan, sup: Supervisor) -> None:
    if plan.sink:
        sup.start("correo", _mailsink_argv(plan))
    folders = metrics_folders(plan)
    sup.start("idp", _server("idp", plan, plan.idp_port), folders["idp"])
    sup.start("vuce", _server("vuce_client", plan, plan.vuce_port), folders["vuce"])
    # the mail worker counts the contingency links it sends into VUCE's metrics; it serves no
    # page, so it does not probe the IdP (VUCE_IDP_PROBE)
    sup.start(
        "mail-worker",
        [_bin("flask"), "--app", "vuce_client", "mail-worker"],
        {**folders["vuce"], "VUCE_IDP_PROBE": "false"},
        nice=MAIL_WORKER_NICE,
    )


def metrics_folders(plan: Plan) -> dict[str, dict[str, str]]:
    """Each app's PROMETHEUS_MULTIPROC_DIR, emptied for this run (the files of a previous run
    would be added to the new counts); an operator's own value is kept, and emptied too."""
    out = {}
    for app in ("idp", "vuce"):
        given = plan.env.get(metrics.ENV_DIR)
        folder = Path(given) / app if given else plan.instance / "metrics" / app
        out[app] = {metrics.ENV_DIR: str(metrics.reset_dir(folder))}
    return out


def loading_flags(plan: Plan) -> list[Path]:
    """The loading file in each app's instance folder (one folder unless the env splits them):
    the apps' /readyz answers 503 while it names this live launcher."""
    folders = {Path(plan.env["IDP_INSTANCE_PATH"]), Path(plan.env["VUCE_INSTANCE_PATH"])}
    return [folder / LOADING_FILE for folder in sorted(folders)]


def mark_loading(plan: Plan, on: bool) -> None:
    for flag in loading_flags(plan):
        if on:
            flag.parent.mkdir(parents=True, exist_ok=True)
            flag.write_text(str(os.getpid()))
        else:
            flag.unlink(missing_ok=True)


# -- the printed table ------------------------------------------------------------------------
def render_table(plan: Plan, with_demo: bool) -> str:
    """ONE table: URLs, admin tokens and every demo credential with what it demonstrates."""
    rows = [
        (
            "SOL (IdP, emisor OIDC)",
            plan.issuer,
            "",
            "",
            "descubrimiento: /.well-known/openid-configuration",
        ),
        ("VUCE", f"{plan.vuce_url}/login", "", "", "componentes /mr, /origen, /ga"),
        (
            "Bandeja de correo" if plan.sink else "SMTP",
            plan.inbox_url if plan.sink else f"{plan.smtp[0]}:{plan.smtp[1]}",
            "",
            "",
            f"SMTP {plan.smtp[0]}:{plan.smtp[1]}" if plan.sink else "servidor externo",
        ),
        (
            "Token admin IdP",
            f"{plan.issuer}/api/v1",
            "Bearer",
            plan.idp_admin_token,
            "API REST y simulación de caídas",
        ),
        (
            "Token admin VUCE",
            f"{plan.vuce_url}/api/v1",
            "Bearer",
            plan.vuce_admin_token,
            "contingencia e importación de cuentas",
        ),
    ]
    for c in plan.clients:
        rows.append(
            (
                f"Cliente OIDC {c['client_id']}",
                c["redirect_uris"][0],
                c["client_id"],
                c["secret"],
                "VUCE_CLIENT_ID/SECRET del componente",
            )
        )
    if with_demo:
        for u in demo.GUIDE:
            rows.append(
                (f"RUC {u.ruc}" if u.ruc else "Extranet", "", u.username, demo.PASSWORD, u.story)
            )
    head = ("Qué", "URL", "Usuario", "Clave / token", "Para qué")
    widths = [max(len(str(r[i])) for r in (*rows, head)) for i in range(4)]

    def line(r):
        return "  ".join(str(v).ljust(widths[i]) for i, v in enumerate(r[:4])) + "  " + r[4]

    sep = "  ".join("-" * w for w in widths) + "  " + "-" * 20
    return "\n".join([line(head), sep, *(line(r) for r in rows)])


# -- the command ------------------------------------------------------------------------------
def up(args: argparse.Namespace, out=sys.stdout) -> int:
    started = time.monotonic()
    plan = make_plan(args.instance, host=args.host)
    root = Path.cwd()
    sup = Supervisor(plan.env, root, out)
    stopping = threading.Event()

    def on_signal(signum, _frame):
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        print(f"vuce-sol: instancia {plan.instance}", file=out, flush=True)
        check_ports(plan)

        def start():
            if stopping.is_set():
                raise LaunchError("interrumpido durante la preparación")
            start_services(plan, sup)

        # the servers start before the seed ends: until it does, their /readyz says "loading"
        mark_loading(plan, True)
        report = prepare(plan, sup, demo_data=not args.no_demo, out=out, after_migrations=start)
        mark_loading(plan, False)
        deadline = time.monotonic() + READY_TIMEOUT
        for url in (f"{plan.issuer}/readyz", f"{plan.vuce_url}/readyz"):
            wait_ready(_internal(url, plan), deadline, sup, stopping)
        if plan.sink:
            wait_ready(_internal(plan.inbox_url, plan), deadline, sup, stopping)
        loaded = [k for k, v in (("SOL", report["idp_demo"]), ("VUCE", report["vuce_demo"])) if v]
        print("\n" + render_table(plan, with_demo=not args.no_demo), file=out)
        print(
            f"\nListo en {time.monotonic() - started:.1f} s. Datos demo cargados: "
            f"{', '.join(loaded) or 'no (bases con datos o --no-demo)'}. "
            "Ctrl-C para detener.\n",
            file=out,
            flush=True,
        )
        while not stopping.is_set():
            dead = sup.dead()
            if dead:
                print(
                    f"vuce-sol: {dead[0]} terminó (código {dead[1]}); deteniendo todo",
                    file=out,
                    flush=True,
                )
                code = 1
                break
            stopping.wait(0.5)
    except LaunchError as exc:
        print(f"vuce-sol: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        mark_loading(plan, False)
        print("vuce-sol: deteniendo…", file=out, flush=True)
        sup.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
        print("vuce-sol: detenido", file=out, flush=True)
    return code


def _internal(url: str, plan: Plan) -> str:
    """Probe the local listener even when the issuer is a public https URL."""
    host = "127.0.0.1" if plan.host in ("0.0.0.0", "::", "") else plan.host
    for public, port in ((plan.issuer, plan.idp_port), (plan.vuce_url, plan.vuce_port)):
        if url.startswith(public):
            return f"http://{host}:{port}{url[len(public) :]}"
    return url


DESCRIPTION = (
    "SOL (el IdP de Clave SOL) y la VUCE en esta máquina: `vuce-sol up` arranca ambos con la "
    "bandeja de correo y el mail worker; `vuce-sol clients` imprime los clientes OIDC de la VUCE."
)


def _spanish_help(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser._optionals.title = "opciones"
    parser.add_argument("-h", "--help", action="help", help="muestra esta ayuda y termina")
    return parser


def _parser(**kwargs) -> argparse.ArgumentParser:
    return _spanish_help(argparse.ArgumentParser(add_help=False, **kwargs))


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``vuce-sol`` (plain-text help, in Spanish like the flask commands)."""
    parser = _parser(prog="vuce-sol", description=DESCRIPTION)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="{up,clients}", title="comandos"
    )
    up_help = "arranca SOL, VUCE, la bandeja de correo y el mail worker"
    p_up = sub.add_parser("up", help=up_help, description=up_help, add_help=False)
    _spanish_help(p_up)
    p_up.add_argument(
        "--instance",
        metavar="DIR",
        default=None,
        help="carpeta de SQLite, llaves y secretos (por defecto ./instance)",
    )
    p_up.add_argument("--no-demo", action="store_true", help="no cargar los datos demo")
    p_up.add_argument("--host", default="127.0.0.1", help="interfaz de escucha")
    clients_help = "imprime los clientes OIDC de VUCE (JSON)"
    p_clients = sub.add_parser(
        "clients", help=clients_help, description=clients_help, add_help=False
    )
    _spanish_help(p_clients)
    p_clients.add_argument(
        "--instance",
        metavar="DIR",
        default=None,
        help="carpeta donde `up` guarda los secretos de los clientes (por defecto ./instance)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "clients":
        plan = make_plan(args.instance)
        print(json.dumps({"clients": plan.clients}, indent=2, ensure_ascii=False))
        return 0
    return up(args)


if __name__ == "__main__":
    raise SystemExit(main())
