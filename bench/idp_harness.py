"""What bench/idp_load.py and bench/idp_scale.py share: processes, our IdP's database, seed and
server (granian, or gunicorn for comparison), the peer's folder (its driver lives there). See
bench/README.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEER_SRC = REPO.parent / "shared" / "peer"
PEER_WORK = Path(os.environ.get("BENCH_PEER_WORK", "/tmp/peer-work"))
OUT_DIR = REPO / "bench" / "out"

RUC = "20123456786"
PRINCIPAL, SECONDARY = "PRINCIPA", "OPERADO1"
PASSWORD = "Bench2026"
CLIENT_ID, CLIENT_SECRET = "bench", "bench-secret-0123456789abcdef0123"
REDIRECT_URI = "http://127.0.0.1:9/cb"
SCOPE = "openid profile email sol offline_access padron"
DRIVER_SCOPE = "openid profile sol offline_access"  # refresh tokens need offline_access here


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ processes


class Procs:
    """Every process this run starts; all stopped by PID (TERM, then KILL) at the end."""

    def __init__(self):
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, cmd, **kw) -> subprocess.Popen:
        # own session: a Ctrl-C in the terminal reaches only us; we stop the children in order
        p = subprocess.Popen(cmd, start_new_session=True, **kw)
        self.procs.append((name, p))
        return p

    def stop(self, p: subprocess.Popen, timeout: float = 10.0) -> None:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
            except ProcessLookupError:
                pass
        self.procs = [(n, q) for n, q in self.procs if q is not p]

    def stop_all(self) -> None:
        for name, p in reversed(list(self.procs)):
            if p.poll() is None:
                log(f"stopping {name} (pid {p.pid})")
            self.stop(p)


def start_run(name: str, out_arg: str | None) -> tuple[Path, Path, Procs]:
    """Output folders, the JSONL path and a process registry; SIGTERM stops the run cleanly."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    logs = OUT_DIR / "logs"
    logs.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(out_arg) if out_arg else OUT_DIR / f"{name}-{stamp}.jsonl"

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    return logs, out, Procs()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} not ready at {url} after {timeout:.0f} s")


# ------------------------------------------------------------------------------ our IdP


def fresh_database(admin_dsn: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    user, host, port = (
        info.get("user", "postgres"),
        info.get("host", "127.0.0.1"),
        info.get("port", "5432"),
    )
    return f"postgresql+psycopg://{user}@{host}:{port}/{name}"


def flushed_redis(url: str) -> str:
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


def idp_env(args, issuer: str, instance: str, root: Path = REPO) -> dict:
    """The IdP's environment; ``root``: the checkout whose code it runs (bench/ab.py serves
    an older commit from a worktree next to this one)."""
    env = dict(os.environ)
    env.update(
        {
            "IDP_ENV": "development",
            "IDP_DATABASE_URL": args.database_url,
            "IDP_REDIS_URL": args.redis_url,
            "IDP_ISSUER": issuer,
            "IDP_INSTANCE_PATH": instance,
            "IDP_SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "IDP_ARGON2_PROFILE": args.argon2_profile,
            "IDP_LOGIN_RATE_LIMIT": "1000000/minute",
            "PYTHONPATH": str(root),
        }
    )
    return env


def code_root(env: dict) -> str:
    """The working directory of a process running the IdP: its code's checkout (``python -m``
    puts the working directory first on sys.path, before PYTHONPATH)."""
    return (env.get("PYTHONPATH") or str(REPO)).split(os.pathsep)[0]


def flask(env: dict, *cli: str) -> None:
    cmd = [sys.executable, "-m", "flask", "--app", "idp", *cli]
    r = subprocess.run(cmd, env=env, cwd=code_root(env), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"flask {' '.join(cli[:2])} failed:\n{r.stdout}\n{r.stderr}")


def seed_idp(env: dict) -> None:
    flask(env, "db", "upgrade")
    flask(
        env,
        "taxpayers",
        "create",
        "--ruc",
        RUC,
        "--company-name",
        "EMPRESA BENCH S.A.C.",
        "--principal-username",
        PRINCIPAL,
        "--principal-password",
        PASSWORD,
        "--email",
        "bench@example.pe",
    )
    flask(
        env,
        "users",
        "create",
        "--ruc",
        RUC,
        "--username",
        SECONDARY,
        "--password",
        PASSWORD,
        "--document-type",
        "DNI",
        "--document-number",
        "45678901",
        "--names",
        "OPERADOR BENCH",
        "--email",
        "operador@example.pe",
        "--profile",
        "ADUANAS.VUCE",
        "--role",
        "VUCE.USUARIO.OPERACION",
        "--role",
        "VUCE.USUARIO.SUPERVISOR",
    )
    grants = ("authorization_code", "refresh_token", "client_credentials")
    flask(
        env,
        "clients",
        "add",
        "--client-id",
        CLIENT_ID,
        "--secret",
        CLIENT_SECRET,
        "--redirect-uri",
        REDIRECT_URI,
        "--first-party",
        *[x for g in grants for x in ("--grant-type", g)],
        "--scope",
        SCOPE,
    )
    flask(env, "keys", "list")  # creates the first signing keys once, before workers race


# The serving flags every gunicorn of the benches shares (bench/floor.py measures the floor of
# exactly this configuration); no --access-logfile: no access log, as the peer writes none.
GUNICORN_COMMON = [
    "--keep-alive",
    "65",
    "--backlog",
    "2048",
    "--worker-tmp-dir",
    "/dev/shm",
    "--log-level",
    "warning",
]


def serve_gunicorn(
    procs: Procs,
    logs: Path,
    app_spec: str,
    port: int,
    worker_flags: list[str],
    env: dict,
    name: str,
    ready_path: str,
    python: str = sys.executable,
) -> subprocess.Popen:
    """gunicorn serving ``app_spec`` on 127.0.0.1:PORT, started and answering ``ready_path``."""
    cmd = [
        python,
        "-m",
        "gunicorn",
        app_spec,
        "--bind",
        f"127.0.0.1:{port}",
        *worker_flags,
        *GUNICORN_COMMON,
        "--error-logfile",
        str(logs / f"{name.replace(' ', '-')}-{port}.log"),
    ]
    p = procs.start(
        name, cmd, env=env, cwd=code_root(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_http(f"http://127.0.0.1:{port}{ready_path}", p, name)
    return p


# The serving flags every granian of the benches shares (bench/floor.py measures the floor of
# exactly this configuration); granian writes no access log unless asked, like the peer.
GRANIAN_COMMON = ["--backlog", "2048", "--log-level", "warning"]
SERVERS = ("granian", "gunicorn")


def serve_granian(
    procs: Procs,
    logs: Path,
    target: str,
    port: int,
    worker_flags: list[str],
    env: dict,
    name: str,
    ready_path: str,
    python: str = sys.executable,
    factory: bool = True,
) -> subprocess.Popen:
    """granian (WSGI interface) serving ``target`` (``module:factory`` with ``factory``, else
    ``module:app``) on 127.0.0.1:PORT, started and answering ``ready_path``."""
    cmd = [
        python,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        *(["--factory"] if factory else []),
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *worker_flags,
        *GRANIAN_COMMON,
    ]
    log_file = open(logs / f"{name.replace(' ', '-')}-{port}.log", "w")  # noqa: SIM115
    p = procs.start(
        name, cmd, env=env, cwd=code_root(env), stdout=log_file, stderr=subprocess.STDOUT
    )
    wait_http(f"http://127.0.0.1:{port}{ready_path}", p, name)
    return p


def server_flags(args, workers: int | None = None) -> list[str]:
    """``--workers``/``--threads``/``--worker-class`` of the benches as the server's own flags."""
    workers = args.workers if workers is None else workers
    if args.server == "granian":
        return ["--workers", str(workers), "--blocking-threads", str(args.threads)]
    return [
        "--workers",
        str(workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
    ]


def describe_server(args, workers: int | None = None) -> str:
    workers = args.workers if workers is None else workers
    if args.server == "granian":
        return f"granian wsgi {workers} x {args.threads} blocking threads"
    threads = f" ({args.threads} threads)" if args.worker_class == "gthread" else ""
    return f"gunicorn {workers} x {args.worker_class}{threads}"


def start_server(
    args, procs: Procs, logs: Path, env: dict, port: int, workers: int | None = None
) -> tuple[str, subprocess.Popen]:
    """Our IdP under ``args.server`` on 127.0.0.1:PORT with ``env`` (its IDP_ISSUER may name
    another port)."""
    flags = server_flags(args, workers)
    if args.server == "granian":
        p = serve_granian(
            procs, logs, "idp:serve_app", port, flags, env, "idp", "/readyz", args.server_python
        )
    else:
        p = serve_gunicorn(procs, logs, "idp:serve_app()", port, flags, env, "idp", "/readyz")
    url = f"http://127.0.0.1:{port}"
    log(f"ours: {url} {args.server} pid {p.pid}: {describe_server(args, workers)}")
    return url, p


def add_server_args(p, threads_default: int | None = None) -> None:
    """The server flags idp_load and idp_scale share (bench/README.md "Server configuration")."""
    p.add_argument("--server", default="granian", choices=SERVERS, help="default granian")
    p.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    p.add_argument(
        "--threads",
        type=int,
        default=threads_default,
        help="granian: blocking threads per worker (default 1); gunicorn: gthread threads "
        "(default 4)",
    )
    p.add_argument("--worker-class", default="gthread", help="gunicorn only: gthread or sync")
    p.add_argument(
        "--server-python",
        default=sys.executable,
        help="granian only: the Python that serves (default this one; a PyPy venv's python "
        "to serve on PyPy)",
    )


def server_defaults(a) -> None:
    if a.threads is None:
        # granian: 1 per worker, as the IdP is served (bench/README.md "Server configuration");
        # gunicorn: its 4 gthread threads of before
        a.threads = 1 if a.server == "granian" else 4


def start_idp(
    args, procs: Procs, logs: Path, env_extra: dict | None = None, root: Path = REPO
) -> tuple[str, subprocess.Popen]:
    """Seed the fresh database, then one server whose issuer is its own URL."""
    port = free_port()
    instance = tempfile.mkdtemp(prefix="bench-idp-")
    env = idp_env(args, f"http://127.0.0.1:{port}", instance, root)
    env.update(env_extra or {})
    log(f"seeding {args.database_url} / {args.redis_url} (argon2 profile {args.argon2_profile})")
    seed_idp(env)
    return start_server(args, procs, logs, env, port)


def ours_driver_args() -> tuple[list[str], dict]:
    """The driver flags and environment that make it log in to our IdP (SOL form, 2 accounts)."""
    extra = [
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--login",
        "bench.sol_login:login",
        "--username-pattern",
        "{}",
        "--users",
        "2",
        "--password",
        PASSWORD,
        "--scope",
        DRIVER_SCOPE,
    ]
    return extra, {"BENCH_SOL_ACCOUNTS": f"{RUC}:{PRINCIPAL},{RUC}:{SECONDARY}"}


# ------------------------------------------------------------------------------ the peer's folder


def peer_dir() -> Path:
    """The peer folder, set up (npm ci); a writable copy when ../shared is read-only."""
    if not (PEER_SRC / "loadgen" / "driver.py").exists():
        raise SystemExit(f"peer not found at {PEER_SRC}")
    # mode bits, not os.access: as root os.access says "writable" even for an r-x folder
    writable = all(
        p.stat().st_mode & 0o200 and os.access(p, os.W_OK)
        for p in (PEER_SRC, PEER_SRC / "peer", PEER_SRC / "loadgen")
    )
    base = PEER_SRC if writable else PEER_WORK
    if base is PEER_WORK:
        for sub in ("loadgen", "peer"):
            shutil.copytree(
                PEER_SRC / sub,
                PEER_WORK / sub,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("node_modules", "__pycache__"),
            )
        shutil.copy2(PEER_SRC / "requirements.txt", PEER_WORK / "requirements.txt")
        for path in PEER_WORK.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)
    if not (base / "peer" / "node_modules" / "oidc-provider").exists():
        log(f"npm ci in {base / 'peer'}")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=base / "peer", check=True)
    return base


def driver_python(base: Path) -> str:
    """Ours when it has the driver's requirements, else the peer's own venv (setup.sh)."""
    probe = subprocess.run([sys.executable, "-c", "import aiohttp, joserfc"], capture_output=True)
    if probe.returncode == 0:
        return sys.executable
    venv_py = base / ".venv" / "bin" / "python"
    if not venv_py.exists():
        subprocess.run(["bash", str(base / "peer" / "setup.sh")], check=True)
    return str(venv_py)


# ------------------------------------------------------------------------------ peer and driver


def start_peer(
    procs: Procs, base: Path, logs: Path, env_extra: dict | None = None, prefix: str = "peer"
) -> tuple[str, subprocess.Popen]:
    """node-oidc-provider on a free loopback port (its knobs in ``env_extra``, see server.mjs)."""
    port = free_port()
    env = dict(os.environ, PORT=str(port), **(env_extra or {}))
    out = open(logs / f"{prefix}-{port}.log", "w")  # noqa: SIM115 - lives as long as the peer
    p = procs.start(
        "peer",
        ["node", "server.mjs"],
        cwd=base / "peer",
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/.well-known/openid-configuration", p, "peer")
    return url, p


def run_driver(
    procs: Procs,
    py: str,
    base: Path,
    name: str,
    driver_args: list[str],
    out: Path,
    env_extra: dict | None = None,
) -> dict | None:
    """One ``python -m bench.drive`` process to its end; the JSON line it appended to ``out``
    (None if it failed)."""
    env = dict(
        os.environ, PYTHONPATH=f"{base}:{REPO}", PYTHONDONTWRITEBYTECODE="1", **(env_extra or {})
    )
    before = out.stat().st_size if out.exists() else 0
    p = procs.start(
        f"driver {name}",
        [py, "-m", "bench.drive", *driver_args, "--json-out", str(out)],
        cwd=REPO,
        env=env,
    )
    rc = p.wait()
    procs.procs = [(n, q) for n, q in procs.procs if q is not p]
    if rc != 0:
        log(f"driver {name} exited with {rc}")
        return None
    with open(out) as f:
        f.seek(before)
        lines = [json.loads(x) for x in f.read().splitlines() if x.strip()]
    return lines[-1] if lines else None
