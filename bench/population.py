"""Scale benchmark: the IdP with 10,000 RUCs and 1,000,000 secondary users, against a small one.

For each size (small first, then large) this script

1. creates a PostgreSQL database of its own (``bench_population_small`` / ``bench_population``
   on the server of ``--pg-url``), migrates it with the IdP's Alembic scripts and loads the
   population with ``COPY`` (psycopg), showing a progress bar on stderr: taxpayers, one Usuario
   Principal per RUC, secondary users, one profile (ADUANAS.VUCE) and one role per user.
   RUC #0 has exactly 1,000 secondary users (the most a RUC may have); the others share the rest;
2. serves the IdP with granian on a free loopback port (a private ``redis-server`` as its store),
   with the production argon2 profile;
3. measures, one request at a time: full SOL logins of random secondary users (authorize →
   login form → code → token, through the real HTTP stack) and the administration list of the
   1,000-user RUC (``GET /api/v1/taxpayers/{ruc}/users?page=…``, random pages, 50 per page);
4. prints p50/p95/p99 per size, then stops granian and Redis (by PID) and drops both databases
   (``--keep`` keeps them).

One argon2 hash for everybody: hashing a million passwords with the production profile would
take hours on this machine (argon2 is deliberately slow and memory-hard; that is its job), while
what is measured here — finding the account among a million rows and verifying one hash — costs
the same whichever salt the hash has. So ONE hash of the bench clave is computed with the
production parameters and written to every row. Never do this outside a benchmark: identical
hashes tell an attacker that the passwords are identical.

    .venv/bin/python bench/population.py                      # 10,000 RUCs / 1,000,000 users
    .venv/bin/python bench/population.py --users 100000 --rucs 1000 --logins 50   # quicker

Bounded: ``--time-limit`` (default 20 min) stops the run between phases; cleanup always runs.
Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PASSWORD = "Bench2026"
CLIENT_ID, CLIENT_SECRET = "bench-pop", "bench-pop-secret-0123456789abcdef"
REDIRECT_URI = "http://127.0.0.1:9/cb"
TARGET_USERS = 1000  # users of the RUC whose administration list is measured
PROFILE, ROLE = "ADUANAS.VUCE", "VUCE.USUARIO.OPERACION"
CHUNK = 50_000


def log(msg: str) -> None:
    print(f"[population] {msg}", file=sys.stderr, flush=True)


class Progress:
    """A plain progress bar on stderr (no dependency)."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, max(1, total), 0
        self.t0 = time.monotonic()
        self._last = 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last > 0.25 or self.done >= self.total:
            self._last = now
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(frac * 30)
            rate = self.done / max(now - self.t0, 1e-6)
            print(
                f"\r  {self.label:<18} [{bar:<30}] {frac * 100:5.1f}% "
                f"{self.done:>10,}/{self.total:,} {rate:>9,.0f}/s",
                end="",
                file=sys.stderr,
                flush=True,
            )
            if self.done >= self.total:
                print(file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_rucs(n: int) -> list[str]:
    from peru_ids.ruc import ruc_check_digit

    return [
        f"{body}{ruc_check_digit(body)}" for body in (f"20{10_000_000 + i:08d}" for i in range(n))
    ]


def users_per_ruc(rucs: int, users: int) -> list[int]:
    """RUC #0 gets TARGET_USERS; the rest is spread evenly (never above 1,000 per RUC)."""
    if rucs == 1:
        return [min(users, TARGET_USERS)]
    rest = max(0, users - TARGET_USERS)
    base, extra = divmod(rest, rucs - 1)
    counts = [TARGET_USERS] + [base + (1 if i < extra else 0) for i in range(rucs - 1)]
    if max(counts) > 1000:
        raise SystemExit("more than 1,000 users per RUC: raise --rucs")
    return counts


# -- database ----------------------------------------------------------------------------------


def admin_conn(pg_url: str):
    return psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def recreate_db(pg_url: str, name: str) -> str:
    with admin_conn(pg_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url.rsplit("/", 1)[0] + "/" + name


def drop_db(pg_url: str, name: str) -> None:
    with admin_conn(pg_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def migrate_and_client(db_url: str, instance: str) -> None:
    """Schema through the IdP's own migrations; the bench client through its service."""
    from flask_migrate import upgrade

    from idp import create_app
    from idp.services import clients
    from idp.storage import db

    app = create_app(
        {
            "DATABASE_URL": sqlalchemy_url(db_url),
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench-population-secret-0123456789",
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        clients.register(
            CLIENT_ID,
            secret=CLIENT_SECRET,
            redirect_uris=[REDIRECT_URI],
            first_party=True,
            scope="openid profile email sol",
        )
        app.extensions["sol_keyring"].ensure()  # first signing keys, before workers race
        db.session.commit()
        db.engine.dispose()


def _copy(cur, table: str, columns: str, rows, total: int, label: str) -> None:
    bar = Progress(label, total)
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buf, n = io.StringIO(), 0
        for row in rows:
            buf.write("\t".join(row))
            buf.write("\n")
            n += 1
            if n == CHUNK:
                copy.write(buf.getvalue())
                bar.add(n)
                buf, n = io.StringIO(), 0
        if n:
            copy.write(buf.getvalue())
            bar.add(n)


def load(db_url: str, rucs: list[str], counts: list[int], digest: str) -> float:
    """COPY the population; returns seconds taken."""
    from peru_ids.ruc import tipo_persona

    t0 = time.monotonic()
    total = sum(counts)
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        _copy(
            cur,
            "taxpayer",
            "ruc, company_name, tipo_persona, address, phones, email, fax, "
            "is_customs_agent, created_at",
            (
                (
                    r,
                    f"EMPRESA {i:05d} S.A.C.",
                    tipo_persona(r),
                    "AV. LIMA 123",
                    "",
                    "",
                    "",
                    "f",
                    now,
                )
                for i, r in enumerate(rucs)
            ),
            len(rucs),
            "taxpayers",
        )
        _copy(
            cur,
            "principal_user",
            "id, ruc, username, password_hash, created_at",
            ((str(i + 1), r, "PRINCIPA", digest, now) for i, r in enumerate(rucs)),
            len(rucs),
            "principal users",
        )

        def secondary():
            uid = 0
            for r, c in zip(rucs, counts, strict=True):
                for j in range(c):
                    uid += 1
                    yield (
                        str(uid),
                        r,
                        f"U{j:07d}",
                        "DNI",
                        f"{uid % 100_000_000:08d}",
                        f"USUARIO {uid}",
                        "\\N",
                        digest,
                        "f",
                        "ACTIVO",
                        now,
                        now,
                    )

        _copy(
            cur,
            "secondary_user",
            "id, ruc, username, document_type, document_number, "
            "names, email, password_hash, must_change_password, status, created_at, "
            "status_changed_at",
            secondary(),
            total,
            "secondary users",
        )
        _copy(
            cur,
            "profile_assignment",
            "id, user_id, code, effective_from",
            ((str(i), str(i), PROFILE, now) for i in range(1, total + 1)),
            total,
            "profiles",
        )
        _copy(
            cur,
            "role_assignment",
            "id, user_id, role, assigned_at",
            ((str(i), str(i), ROLE, now) for i in range(1, total + 1)),
            total,
            "roles",
        )
        for table in ("principal_user", "secondary_user", "profile_assignment", "role_assignment"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        conn.commit()
    with psycopg.connect(db_url, autocommit=True) as conn:
        log("VACUUM ANALYZE")
        conn.execute("VACUUM ANALYZE")
    return time.monotonic() - t0


# -- processes ---------------------------------------------------------------------------------


class Procs:
    """Every child started here, stopped by PID (process group) at the end."""

    def __init__(self):
        self.items: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, cmd: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(cmd, start_new_session=True, **kw)
        self.items.append((name, p))
        return p

    def stop(self, p: subprocess.Popen) -> None:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.items = [(n, q) for n, q in self.items if q is not p]

    def stop_all(self) -> None:
        for _, p in list(reversed(self.items)):
            self.stop(p)


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"process for {url} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready after {timeout}s")


def start_redis(procs: Procs) -> str:
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("redis-server not found (apt-get install -y redis-server)")
    port = free_port()
    p = procs.start(
        "redis",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return f"redis://127.0.0.1:{port}"
        time.sleep(0.05)
    procs.stop(p)
    raise SystemExit("redis-server did not start")


def start_server(
    procs: Procs, db_url: str, redis_url: str, instance: str, workers: int, admin_token: str
) -> tuple[str, subprocess.Popen]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        IDP_DATABASE_URL=sqlalchemy_url(db_url),
        IDP_REDIS_URL=redis_url,
        IDP_ISSUER=url,
        IDP_INSTANCE_PATH=instance,
        IDP_SECRET_KEY="bench-population-secret-0123456789",
        IDP_ADMIN_TOKEN=admin_token,
        IDP_LOGIN_RATE_LIMIT="100000/minute",
        IDP_ARGON2_PROFILE="default",
        IDP_KEY_LEAD_SECONDS="0",
    )
    cmd = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--factory",
        "idp:serve_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        "4",
        "--log-level",
        "warning",
    ]
    log_file = open(os.path.join(instance, "granian.log"), "w")  # noqa: SIM115
    p = procs.start("granian", cmd, env=env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT)
    wait_http(url + "/readyz", p)
    return url, p


# -- measurements ------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')


def sol_login(base: str, ruc: str, usuario: str) -> float:
    """One full login (authorize → SOL form → code → token); returns seconds."""
    import base64
    import hashlib

    http = requests.Session()
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    t0 = time.perf_counter()
    r = http.get(
        f"{base}/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid sol",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=True,
        timeout=30,
    )
    page = r.text
    r = http.post(
        f"{base}/login",
        data={
            "csrf_token": _CSRF.search(page).group(1),
            "challenge": _CHALLENGE.search(page).group(1),
            "ruc": ruc,
            "usuario": usuario,
            "clave": PASSWORD,
        },
        allow_redirects=False,
        timeout=30,
    )
    for _ in range(5):
        loc = r.headers.get("Location", "")
        if loc.startswith(REDIRECT_URI):
            break
        if r.status_code not in (302, 303):
            raise RuntimeError(f"login of {ruc}/{usuario}: HTTP {r.status_code} {r.text[:200]}")
        r = http.get(urllib.parse.urljoin(base, loc), allow_redirects=False, timeout=30)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)["code"][0]
    t = http.post(
        f"{base}/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=30,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    if t.status_code != 200 or "id_token" not in t.json():
        raise RuntimeError(f"token for {ruc}/{usuario}: {t.status_code} {t.text[:200]}")
    return time.perf_counter() - t0


def admin_list(base: str, http: requests.Session, ruc: str, page: int) -> float:
    t0 = time.perf_counter()
    r = http.get(
        f"{base}/api/v1/taxpayers/{ruc}/users", params={"page": page, "per_page": 50}, timeout=30
    )
    elapsed = time.perf_counter() - t0
    body = r.json()
    if r.status_code != 200 or body.get("total") != TARGET_USERS or len(body["items"]) != 50:
        raise RuntimeError(f"list page {page}: {r.status_code} {r.text[:200]}")
    return elapsed


def pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def stats(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {pct(ms, 50):7.1f} ms  p95 {pct(ms, 95):7.1f} ms  p99 {pct(ms, 99):7.1f} ms  "
        f"(n={len(ms)})"
    )


def run_size(
    args,
    procs: Procs,
    label: str,
    dbname: str,
    n_rucs: int,
    n_users: int,
    digest: str,
    redis_url: str,
    deadline: float,
) -> dict:
    log(f"== {label}: {n_rucs:,} RUCs, {n_users:,} secondary users → database {dbname}")
    rucs = make_rucs(n_rucs)
    counts = users_per_ruc(n_rucs, n_users)
    db_url = recreate_db(args.pg_url, dbname)
    instance = tempfile.mkdtemp(prefix="bench-population-")
    try:
        migrate_and_client(db_url, instance)
        load_s = load(db_url, rucs, counts, digest)
        log(f"loaded in {load_s:.1f}s")
        if time.monotonic() > deadline:
            raise TimeoutError("time limit reached after loading")
        admin_token = secrets.token_urlsafe(24)
        url, p = start_server(procs, db_url, redis_url, instance, args.workers, admin_token)
        rng = random.Random(7)
        try:
            for _ in range(args.warmup):
                sol_login(url, rucs[0], "U0000000")
            logins = []
            for _ in range(args.logins):
                if time.monotonic() > deadline:
                    break
                i = rng.randrange(n_rucs)
                logins.append(sol_login(url, rucs[i], f"U{rng.randrange(counts[i]):07d}"))
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {admin_token}"
            for _ in range(args.warmup):
                admin_list(url, http, rucs[0], 1)
            lists = []
            for _ in range(args.lists):
                if time.monotonic() > deadline:
                    break
                lists.append(admin_list(url, http, rucs[0], rng.randint(1, TARGET_USERS // 50)))
        finally:
            procs.stop(p)
        with psycopg.connect(db_url) as conn:
            size = conn.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database()))"
            ).fetchone()[0]
        return {
            "label": label,
            "rucs": n_rucs,
            "users": sum(counts),
            "load_s": load_s,
            "db_size": size,
            "logins": logins,
            "lists": lists,
        }
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server (the databases are created and dropped on it)",
    )
    p.add_argument("--rucs", type=int, default=10_000)
    p.add_argument("--users", type=int, default=1_000_000)
    p.add_argument("--small-rucs", type=int, default=10)
    p.add_argument("--logins", type=int, default=200, help="measured logins per size")
    p.add_argument("--lists", type=int, default=200, help="measured list pages per size")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--workers", type=int, default=2, help="granian workers")
    p.add_argument("--time-limit", type=float, default=1200, help="seconds for the whole run")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = p.parse_args(argv)
    started = time.monotonic()
    deadline = started + args.time_limit

    from idp.services import passwords

    t0 = time.perf_counter()
    digest = passwords.hash_password(PASSWORD)  # ONE hash for every user (the default profile)
    log(
        f"one argon2 hash (production profile) took {(time.perf_counter() - t0) * 1000:.0f} ms;"
        f" {args.users:,} of them would take ~"
        f"{(time.perf_counter() - t0) * args.users / 3600 / (os.cpu_count() or 1):.1f} h"
    )

    procs = Procs()
    sizes = [
        (
            "small",
            "bench_population_small",
            args.small_rucs,
            TARGET_USERS + 100 * (args.small_rucs - 1),
        ),
        ("large", "bench_population", args.rucs, args.users),
    ]

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    results = []
    try:
        redis_url = start_redis(procs)
        for i, (label, dbname, n_rucs, n_users) in enumerate(sizes):
            results.append(
                run_size(
                    args,
                    procs,
                    label,
                    dbname,
                    n_rucs,
                    n_users,
                    digest,
                    f"{redis_url}/{i}",
                    deadline,
                )
            )
    except (KeyboardInterrupt, TimeoutError) as exc:
        log(f"stopped early: {exc}")
    finally:
        procs.stop_all()
        if not args.keep:
            for _, dbname, _, _ in sizes:
                try:
                    drop_db(args.pg_url, dbname)
                except psycopg.Error as exc:
                    log(f"could not drop {dbname}: {exc}")
            log("databases dropped")

    print(
        f"\nIdP at scale (granian {args.workers} workers x 4 threads, argon2 production profile, "
        f"one request at a time; whole run {time.monotonic() - started:.0f} s)"
    )
    for r in results:
        print(
            f"\n{r['label']}: {r['rucs']:,} RUCs, {r['users']:,} secondary users "
            f"(database {r['db_size']}, loaded in {r['load_s']:.1f} s)"
        )
        if r["logins"]:
            print(f"  full SOL login           {stats(r['logins'])}")
        if r["lists"]:
            print(f"  admin list (1,000 users) {stats(r['lists'])}")
    return 0 if len(results) == len(sizes) else 1


if __name__ == "__main__":
    sys.exit(main())
