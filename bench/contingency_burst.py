"""Contingency burst: N link requests from eligible users at concurrency C against VUCE.

    .venv/bin/python bench/contingency_burst.py [--requests 1000] [--concurrency 50]
        [--server granian|gunicorn] [--workers 2] [--threads 32] [--mail-workers 2]
        [--mail-nice 10] [--min-response-ms 250]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--redis-url redis://127.0.0.1:6379/12]

What it does: creates a fresh PostgreSQL database and flushes one Redis database, migrates VUCE
and imports N registered accounts with an e-mail and consent; starts the development SMTP sink
(``launcher.mailsink``, its own process), VUCE under granian as ``vuce-sol up`` and compose serve
it (``--server gunicorn`` for the gthread server it had before; the IdP is NOT running: that is
the outage) and ``flask --app vuce_client mail-worker`` processes; switches contingency on
through ``PUT /api/v1/contingency``; then fires the N form posts (``/contingencia/sol``, test
captcha) with C threads. It prints p50/p95/p99 of the form's answer, and the time until all N
e-mails are in the sink, counting them: none lost, none twice.

The answer time includes the deliberate floor ``VUCE_CONTINGENCY_MIN_RESPONSE_MS`` (the same
time whether or not the account qualifies): pass ``--min-response-ms 0`` to see the raw cost.
It also prints the CPU each party spent per request during the burst (VUCE's server process
tree, this load generator, the mail workers and the sink, from /proc), to show where it goes.
See bench/README.md, "Contingency burst".
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from launcher.cli import MAIL_WORKER_NICE, lower_priority  # noqa: E402

RUC = "20123456786"
ADMIN = "bench-admin-token-0123456789abcdef"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(base_url: str, name: str) -> str:
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name


def drop_database(base_url: str, name: str) -> None:
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(env: dict, n: int) -> None:
    """Migrate and import N eligible accounts (in this process, same services as the API)."""
    from flask_migrate import upgrade

    from vuce_client import create_app
    from vuce_client.services import accounts
    from vuce_client.storage import db

    app = create_app({"CONTINGENCY_MODE": "manual", "IDP_PROBE_ENABLED": False})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        for i in range(n):
            accounts.import_account(
                {
                    "user_type": "secondary",
                    "ruc": RUC,
                    "sol_username": f"U{i:07d}",
                    "names": f"USUARIO {i}",
                    "email": f"u{i}@bench.example",
                    "notifications_consent": True,
                    "last_roles": ["VUCE.USUARIO.OPERACION"],
                    "last_status": "ACTIVO",
                    "registered_as": "EMPRESA",
                },
                terms_version=app.config["TERMS_VERSION"],
            )
        db.session.commit()
    app.extensions["vuce_contingency"].stop_probe()


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and every live descendant, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d.name)] = int(fields[1])
        cpu[int(d.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo += [c for c, pp in parent.items() if pp == p]
    return total


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes")
    ap.add_argument(
        "--threads",
        type=int,
        default=32,
        help="granian blocking threads / gunicorn gthread threads per worker",
    )
    ap.add_argument("--mail-workers", type=int, default=2)
    ap.add_argument(
        "--mail-nice",
        type=int,
        default=MAIL_WORKER_NICE,
        help=f"nice of the mail workers (default {MAIL_WORKER_NICE}, as vuce-sol up)",
    )
    ap.add_argument("--min-response-ms", type=int, default=250)
    ap.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    )
    ap.add_argument("--mail-timeout", type=float, default=300.0)
    args = ap.parse_args(argv)
    n = args.requests

    tmp = tempfile.mkdtemp(prefix="contingency-burst-")
    db_url = fresh_database(args.database_url, f"bench_contingency_{os.getpid()}")
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    # The sink runs in its own process so that it does not share a GIL with the client threads.
    smtp_port, inbox_port = free_port(), free_port()
    sink_proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "launcher.mailsink",
            "--smtp-port",
            str(smtp_port),
            "--http-port",
            str(inbox_port),
        ],
        cwd=str(ROOT),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    inbox = f"http://127.0.0.1:{inbox_port}"
    wait_http(f"{inbox}/healthz")

    def sink_messages() -> list[dict]:
        return requests.get(f"{inbox}/messages", timeout=30).json()

    port = free_port()
    env = dict(
        os.environ,
        VUCE_DATABASE_URL=db_url,
        VUCE_REDIS_URL=args.redis_url,
        VUCE_SECRET_KEY="bench-secret-key-0123456789abcdef",
        VUCE_ADMIN_TOKEN=ADMIN,
        VUCE_BASE_URL=f"http://127.0.0.1:{port}",
        VUCE_INSTANCE_PATH=tmp,
        VUCE_IDP_ISSUER=f"http://127.0.0.1:{free_port()}",  # nobody there: SOL is down
        VUCE_CONTINGENCY="manual",
        VUCE_IDP_PROBE="0",
        RECAPTCHA_BACKEND="test",
        VUCE_CONTINGENCY_RATE_IP="1000000 per minute",
        VUCE_CONTINGENCY_MIN_RESPONSE_MS=str(args.min_response_ms),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
    )
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith(("VUCE_", "RECAPTCHA_", "MAIL_"))}
    )
    bin_dir = Path(sys.executable).parent
    procs: list[subprocess.Popen] = []
    try:
        t = time.perf_counter()
        prepare(env, n)
        print(
            f"prepared {n} eligible accounts in {time.perf_counter() - t:.1f} s "
            f"(PostgreSQL {db_url.rsplit('/', 1)[-1]}, Redis {args.redis_url})",
            flush=True,
        )
        if args.server == "granian":
            serve = [
                str(bin_dir / "granian"),
                "--interface",
                "wsgi",
                "--factory",
                "vuce_client:serve_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--blocking-threads",
                str(args.threads),
                "--backlog",
                "2048",
                "--log-level",
                "warning",
            ]
        else:
            serve = [
                str(bin_dir / "gunicorn"),
                "-w",
                str(args.workers),
                "-k",
                "gthread",
                "--threads",
                str(args.threads),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "vuce_client:serve_app()",
            ]
        server = subprocess.Popen(
            serve, env=env, cwd=str(ROOT), start_new_session=True, stderr=subprocess.DEVNULL
        )
        procs.append(server)
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz")
        r = requests.put(
            f"{base}/api/v1/contingency",
            json={"active": True},
            timeout=5,
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert r.json()["active"], r.text

        local = threading.local()

        def one(i: int) -> tuple[float, int]:
            http = getattr(local, "http", None)
            if http is None:
                http = local.http = requests.Session()
                page = http.get(f"{base}/contingencia?tipo=sol", timeout=30)
                local.csrf = CSRF_RE.search(page.text).group(1)
            data = {
                "csrf_token": local.csrf,
                "ruc": RUC,
                "usuario": f"U{i:07d}",
                "g-recaptcha-response": "PASSED",
                "componente": "MR",
            }
            t0 = time.perf_counter()
            resp = http.post(f"{base}/contingencia/sol", data=data, timeout=60)
            elapsed = time.perf_counter() - t0
            ok = resp.status_code == 200 and 'id="check-email"' in resp.text
            return elapsed, resp.status_code if ok else -resp.status_code

        # The mail workers run during the burst, as in production, at the CPU priority
        # `vuce-sol up` gives them (--mail-nice 0: the same as the server's).
        for _ in range(args.mail_workers):
            procs.append(
                subprocess.Popen(
                    [
                        str(bin_dir / "flask"),
                        "--app",
                        "vuce_client",
                        "mail-worker",
                        "--interval",
                        "0.2",
                    ],
                    env=env,
                    cwd=str(ROOT),
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    preexec_fn=(
                        (lambda: lower_priority(args.mail_nice)) if args.mail_nice else None
                    ),
                )
            )

        def mailers_pids() -> list[int]:
            return [sink_proc.pid, *(p.pid for p in procs[1:])]

        with ThreadPoolExecutor(args.concurrency) as pool:
            cpu0 = (tree_cpu(server.pid), time.process_time(), sum(map(tree_cpu, mailers_pids())))
            started = time.perf_counter()
            results = list(pool.map(one, range(n)))
            burst = time.perf_counter() - started
            cpu1 = (tree_cpu(server.pid), time.process_time(), sum(map(tree_cpu, mailers_pids())))
        cpu_ms = [(b - a) * 1000 / n for a, b in zip(cpu0, cpu1, strict=True)]
        statuses = collections.Counter(code for _, code in results)
        lat = [e for e, _ in results]
        served_by = (
            f"granian wsgi {args.workers} workers x {args.threads} blocking threads"
            if args.server == "granian"
            else f"gunicorn {args.workers}x{args.threads} gthread"
        )
        print(
            f"\nform answers: {n} in {burst:.2f} s ({n / burst:.0f} req/s), "
            f"concurrency {args.concurrency}, {served_by}"
        )
        print(f"  status: {dict(statuses)}")
        print(
            f"  p50 {pct(lat, 50) * 1000:.0f} ms  p95 {pct(lat, 95) * 1000:.0f} ms  "
            f"p99 {pct(lat, 99) * 1000:.0f} ms  max {max(lat) * 1000:.0f} ms  "
            f"(floor {args.min_response_ms} ms)"
        )
        print(
            f"  CPU per request during the burst: VUCE server {cpu_ms[0]:.1f} ms, load "
            f"generator {cpu_ms[1]:.1f} ms, mail workers + sink {cpu_ms[2]:.1f} ms "
            f"(nproc {os.cpu_count()}; PostgreSQL and Redis not counted)"
        )

        burst_end = time.perf_counter()
        deadline = burst_end + args.mail_timeout
        while len(sink_messages()) < n and time.perf_counter() < deadline:
            time.sleep(0.25)
        all_in = time.perf_counter()
        time.sleep(2.0)  # anything sent twice would show up now
        msgs = sink_messages()
        per_rcpt = collections.Counter(t for m in msgs for t in m["to"])
        expected = {f"u{i}@bench.example" for i in range(n)}
        lost = expected - set(per_rcpt)
        twice = {k: v for k, v in per_rcpt.items() if v > 1}
        print(
            f"\ne-mails: {len(msgs)} in the sink; from burst start "
            f"{all_in - started:.2f} s, after the last answer {all_in - burst_end:.2f} s "
            f"({args.mail_workers} mail worker(s))"
        )
        print(
            f"  lost {len(lost)}, sent twice {len(twice)}, unexpected "
            f"{len(set(per_rcpt) - expected)}"
        )
        links = sum(1 for m in msgs if "/contingencia/enlace/" in m["body"])
        print(f"  with a contingency link: {links}")
        summary = {
            "requests": n,
            "concurrency": args.concurrency,
            "server": served_by,
            "req_per_s": round(n / burst, 1),
            "cpu_ms_per_req": {
                "server": round(cpu_ms[0], 2),
                "load_generator": round(cpu_ms[1], 2),
                "mail": round(cpu_ms[2], 2),
            },
            "burst_s": round(burst, 3),
            "p50_ms": round(pct(lat, 50) * 1000, 1),
            "p95_ms": round(pct(lat, 95) * 1000, 1),
            "p99_ms": round(pct(lat, 99) * 1000, 1),
            "statuses": {str(k): v for k, v in statuses.items()},
            "emails": len(msgs),
            "lost": len(lost),
            "twice": len(twice),
            "all_emails_s_from_burst": round(all_in - started, 3),
            "all_emails_s_after_last_answer": round(all_in - burst_end, 3),
        }
        print("\n" + json.dumps(summary))
        return 0 if not lost and not twice and statuses.get(200) == n else 1
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        os.killpg(sink_proc.pid, signal.SIGTERM)
        sink_proc.wait(timeout=10)
        drop_database(args.database_url, db_url.rsplit("/", 1)[1])


if __name__ == "__main__":
    raise SystemExit(main())
