"""How the IdP scales: 1, 2, 4 server workers, one vs two instances (issue 7, "Load and scale").

One run: a fresh PostgreSQL database and a flushed Redis db seeded as bench/idp_load.py does
(bench/idp_harness.py), then for each configuration ``INSTANCESxWORKERS`` (default
``1x1,1x2,1x4,2x1,2x2``) the instances are started, every scenario (logins, SSO logins, token
client_credentials, refresh, introspection) is driven at a fixed total concurrency with the
peer's closed-loop driver (bench/drive.py), and the instances are stopped. Printed: ops/s, p99
and server CPU per op per configuration, with the ratio of ops/s to ``1x1``.

Two instances = two servers (granian; ``--server gunicorn`` to compare) on two ports, same
PostgreSQL, same Redis, same IDP_ISSUER and secret key (the first port's URL, as behind a load
balancer). They are driven by two driver processes at the same time, each with half the
concurrency and its own instance (``bench/drive.py`` moves the discovery endpoints onto the port
it was given); ops/s and server CPU are summed, p50/p99 are the worse of the two halves.

    .venv/bin/python bench/idp_scale.py                 # ~4-5 min: 4 s per scenario, 1 s warm-up
    .venv/bin/python bench/idp_scale.py --configs 1x2,2x1 --scenarios cc --duration 10

The machine's cores are shared by the driver(s), the server workers, PostgreSQL and Redis: on
2 cores more workers cannot add CPU, only overlap waits; read the ratios, not the absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.idp_harness import (  # noqa: E402
    REDIRECT_URI,
    REPO,
    Procs,
    add_server_args,
    describe_server,
    driver_python,
    flushed_redis,
    free_port,
    fresh_database,
    idp_env,
    log,
    ours_driver_args,
    peer_dir,
    seed_idp,
    server_defaults,
    start_run,
    start_server,
)

SCENARIOS = ("login", "sso", "cc", "refresh", "introspect")


def drive_many(
    args, procs: Procs, py: str, base: Path, servers, scenario: str, out: Path, label: str
) -> dict | None:
    """One driver per instance, all at once, the concurrency split between them; merged."""
    extra, env_extra = ours_driver_args()
    env = dict(os.environ, PYTHONPATH=f"{base}:{REPO}", PYTHONDONTWRITEBYTECODE="1", **env_extra)
    n = len(servers)
    shares = [args.concurrency // n + (1 if i < args.concurrency % n else 0) for i in range(n)]
    duration, warmup = args.duration, args.warmup
    if scenario == "login":  # one op takes ~2 s at 16 workers: a longer window, fresh workers
        duration, warmup = duration * args.login_factor, warmup * args.login_factor
    files, running = [], []
    for i, ((url, p), conc) in enumerate(zip(servers, shares, strict=True)):
        f = Path(tempfile.mkstemp(prefix="scale-", suffix=".jsonl")[1])
        files.append(f)
        cmd = [
            py,
            "-m",
            "bench.drive",
            "--issuer",
            url,
            "--scenario",
            scenario,
            "--server-pid",
            str(p.pid),
            "--duration",
            str(duration),
            "--warmup",
            str(warmup),
            "--concurrency",
            str(conc),
            "--redirect-uri",
            REDIRECT_URI,
            "--json-out",
            str(f),
            "--label",
            f"{label} instance {i + 1}/{n}",
            *extra,
        ]
        running.append(procs.start(f"driver {scenario} {i + 1}", cmd, cwd=REPO, env=env))
    parts = []
    for d, f in zip(running, files, strict=True):
        rc = d.wait()
        procs.procs = [(nm, q) for nm, q in procs.procs if q is not d]
        lines = [json.loads(x) for x in f.read_text().splitlines() if x.strip()]
        f.unlink()
        if rc != 0 or not lines:
            log(f"driver {scenario} exited with {rc}")
            return None
        parts.append(lines[-1])
    with open(out, "a") as fo:
        for r in parts:
            fo.write(json.dumps(r) + "\n")
    ops = sum(r["ops"] for r in parts)
    cpu = sum(r.get("server_cpu_s", 0.0) for r in parts)
    return {
        "scenario": scenario,
        "ops_per_s": sum(r["ops_per_s"] for r in parts),
        "p50_ms": max(r["p50_ms"] for r in parts),
        "p99_ms": max(r["p99_ms"] for r in parts),
        "errors": sum(r["errors"] for r in parts),
        "server_cpu_ms_per_op": cpu / max(ops, 1) * 1e3,
        "machine_busy_cores": max(r["machine_busy_cores"] for r in parts),
    }


def fmt(v, spec: str) -> str:
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def table(configs, results) -> str:
    w = 28
    head = f"{'scenario':<11}|" + "|".join(f"{c:^{w}}" for c in configs)
    sub = f"{'':<11}|" + "|".join(
        f"{'ops/s':>8}{'x1x1':>6}{'p99 ms':>8}{'CPU':>6}".ljust(w) for _ in configs
    )
    lines = [head, sub, "-" * len(head)]
    for sc in {s: None for (_, s) in results}:
        base = (results.get((configs[0], sc)) or {}).get("ops_per_s")
        cells = []
        for c in configs:
            r = results.get((c, sc)) or {}
            ops = r.get("ops_per_s")
            ratio = ops / base if ops is not None and base else None
            err = f"!{r['errors']}" if r.get("errors") else ""
            cells.append(
                f"{fmt(ops, '8.1f'):>8}{fmt(ratio, '6.2f'):>6}"
                f"{fmt(r.get('p99_ms'), '8.0f'):>8}"
                f"{fmt(r.get('server_cpu_ms_per_op'), '6.1f'):>6}{err}".ljust(w)
            )
        lines.append(f"{sc:<11}|" + "|".join(cells))
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma separated, from {', '.join(SCENARIOS)}",
    )
    p.add_argument(
        "--configs",
        default="1x1,1x2,1x4,2x1,2x2",
        help="INSTANCESxWORKERS list; instances 1 or 2 (default 1x1,1x2,1x4,2x1,2x2)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="total driver workers, split between the instances (default 16)",
    )
    p.add_argument("--duration", type=float, default=4.0, help="seconds measured (default 4)")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    p.add_argument(
        "--login-factor",
        type=float,
        default=2.0,
        help="login's window and warm-up are this many times longer (default 2)",
    )
    add_server_args(p)
    p.add_argument(
        "--argon2-profile",
        default="default",
        help="IDP_ARGON2_PROFILE: default (production cost) or fast",
    )
    p.add_argument(
        "--pg",
        default="host=127.0.0.1 port=5432 user=postgres dbname=postgres",
        help="admin DSN of the PostgreSQL server",
    )
    p.add_argument(
        "--db-name",
        default="bench_idp_scale",
        help="database (dropped, recreated and dropped again at the end)",
    )
    p.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/14",
        help="Redis URL with a db index of its own (flushed)",
    )
    p.add_argument("--out", default=None, help="JSON lines (default bench/out/idp_scale-*.jsonl)")
    a = p.parse_args(argv)
    server_defaults(a)
    a.scenarios = [s.strip() for s in a.scenarios.split(",") if s.strip()]
    if set(a.scenarios) - set(SCENARIOS):
        p.error(f"unknown scenarios: {sorted(set(a.scenarios) - set(SCENARIOS))}")
    a.configs = [c.strip() for c in a.configs.split(",") if c.strip()]
    for c in a.configs:
        inst, _, wk = c.partition("x")
        if inst not in ("1", "2") or not wk.isdigit() or int(wk) < 1:
            p.error(f"bad config {c!r}: INSTANCESxWORKERS, instances 1 or 2")
    return a


def drop_database(admin_dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv=None) -> int:
    args = parse_args(argv)
    logs, out, procs = start_run("idp_scale", args.out)
    results: dict[tuple[str, str], dict | None] = {}
    t0 = time.monotonic()
    try:
        base = peer_dir()
        py = driver_python(base)
        args.database_url = fresh_database(args.pg, args.db_name)
        args.redis_url = flushed_redis(args.redis)
        ports = [free_port(), free_port()]
        issuer = f"http://127.0.0.1:{ports[0]}"
        env = idp_env(args, issuer, tempfile.mkdtemp(prefix="bench-idp-"))
        log(f"seeding {args.database_url} / {args.redis_url}; issuer {issuer}")
        seed_idp(env)
        log(
            f"{args.concurrency} driver workers in all, {args.duration:g} s (+{args.warmup:g} s "
            f"warm-up) per scenario; nproc {os.cpu_count()}; results -> {out}"
        )
        for conf in args.configs:
            inst, workers = (int(x) for x in conf.split("x"))
            servers = [start_server(args, procs, logs, env, ports[i], workers) for i in range(inst)]
            label = (
                f"scale {conf}: {inst} instance(s) x {describe_server(args, workers)}, "
                f"argon2 {args.argon2_profile}"
            )
            for sc in args.scenarios:
                results[(conf, sc)] = drive_many(args, procs, py, base, servers, sc, out, label)
            for _, p in servers:
                procs.stop(p)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        procs.stop_all()
        if getattr(args, "database_url", None):
            drop_database(args.pg, args.db_name)
    print(
        f"\nIdP scaling: {describe_server(args, 0).replace(' 0 x', ',')} per worker, argon2 "
        f"{args.argon2_profile}, {args.concurrency} closed-loop driver workers in all, "
        f"{args.duration:g} s per cell ({args.duration * args.login_factor:g} s for login), "
        f"warm-up {args.warmup:g} s ({args.warmup * args.login_factor:g} s for login); "
        f"run took {time.monotonic() - t0:.0f} s"
    )
    print(
        f"NOTE: this machine has {os.cpu_count()} cores, shared by the driver(s), every "
        f"server worker, PostgreSQL and Redis: adding workers/instances adds no CPU here, so "
        f"read the ratios (x1x1 = ops/s / ops/s at 1x1), not the absolute figures."
    )
    print(
        "config = INSTANCESxWORKERS; 2x = two servers on two ports, same DB/Redis/issuer, "
        "two drivers at once with half the workers each (ops/s summed, p99 the worse half); "
        "CPU = server CPU ms/op (server process trees, not PostgreSQL/Redis); !N = N errors"
    )
    print(table(args.configs, results))
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
