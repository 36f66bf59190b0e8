"""Load benchmark of the IdP (granian, PostgreSQL, Redis) against the certified reference.

One run: a fresh PostgreSQL database and a flushed Redis db, the IdP migrated and seeded through
its own CLI, served by granian (``--server gunicorn`` to compare); the peer (node-oidc-provider,
``../shared/peer``) started next to it; then, scenario by scenario, the peer's closed-loop driver
against ours and against the peer (interleaved, so machine drift hits both), and a side-by-side
table. Every process started here is stopped by its PID at the end, also on Ctrl-C. Results: JSON
lines in ``bench/out/``.

    .venv/bin/python bench/idp_load.py            # 16 workers, 20 s per scenario and server
    .venv/bin/python bench/idp_load.py --quick    # 5 s per scenario
    .venv/bin/python bench/idp_load.py --scenarios cc,jwks --no-peer
    .venv/bin/python bench/idp_load.py --quick --metrics-compare   # metrics on vs off (issue 15)
    bench/cpython_env.sh && .venv/bin/python bench/idp_load.py --rounds 2 \
        --versus-python bench/.cpython/venv/bin/python   # this CPython build vs a PGO+LTO one
    .venv/bin/python bench/idp_load.py --fair --rounds 3 --duration 10   # ABBA rounds, paired
    bench/pypy_env.sh && .venv/bin/python bench/idp_load.py --fair --scenarios login \
        --server-python bench/.pypy/venv/bin/python --ours-warmup 420 --rounds 2   # ours on PyPy

See bench/README.md for the columns and the server configuration.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import profile  # noqa: E402
from bench.idp_harness import (  # noqa: E402
    PEER_SRC,
    REDIRECT_URI,
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
    run_driver,
    server_defaults,
    start_idp,
    start_run,
    start_server,
)
from bench.idp_harness import start_peer as harness_start_peer  # noqa: E402

SCENARIOS = ("cc", "login", "sso", "refresh", "introspect", "userinfo", "jwks")
PEER_CLIENT = ("bench-client", "bench-client-secret-0123456789abcdef")
PEER_PASSWORD = "bench-password"


# ------------------------------------------------------------------------------ the peer


def start_peer(args, procs: Procs, base: Path, logs: Path) -> tuple[str, subprocess.Popen]:
    env = {"PW_HASH": args.peer_pw_hash, "ROTATE_RT": "1" if args.peer_rotate_rt else "0"}
    if args.peer_pbkdf2_iters:
        env["PBKDF2_ITERS"] = str(args.peer_pbkdf2_iters)
    url, p = harness_start_peer(procs, base, logs, env)
    log(f"peer: {url} node pid {p.pid} (pw hash {args.peer_pw_hash})")
    return url, p


# ------------------------------------------------------------------------------ driving


def twin(args) -> bool:
    """The peer's place taken by a second IdP of ours on the same database and Redis."""
    return bool(args.metrics_compare or args.versus_python)


def describe(args, target: str) -> str:
    if args.versus_python:
        python = args.server_python if target == "ours" else args.versus_python
        return f"{describe_server(args)} on {python}, argon2 {args.argon2_profile}"
    if args.metrics_compare:
        on = "metrics on (PROMETHEUS_MULTIPROC_DIR)" if target == "ours" else "metrics off"
        return f"{describe_server(args)}, argon2 {args.argon2_profile}, {on}"
    if target == "peer":
        iters = (
            f" PBKDF2_ITERS={args.peer_pbkdf2_iters}"
            if args.peer_pw_hash == "pbkdf2" and args.peer_pbkdf2_iters
            else ""
        )
        return (
            f"oidc-provider PW_HASH={args.peer_pw_hash}{iters} "
            f"ROTATE_RT={1 if args.peer_rotate_rt else 0}"
        )
    return f"{describe_server(args)}, argon2 {args.argon2_profile}"


def drive(
    args,
    procs: Procs,
    py: str,
    base: Path,
    target: str,
    url: str,
    pid: int,
    scenario: str,
    out: Path,
) -> dict | None:
    common = [
        "--issuer",
        url,
        "--scenario",
        scenario,
        "--server-pid",
        str(pid),
        "--duration",
        str(args.duration),
        "--warmup",
        str(args.warmup),
        "--concurrency",
        str(args.concurrency),
        "--redirect-uri",
        REDIRECT_URI,
        "--label",
        f"{target}: {describe(args, target)}",
    ]
    if target == "ours" or twin(args):
        extra, env_extra = ours_driver_args()
    else:
        extra, env_extra = (
            [
                "--client-id",
                PEER_CLIENT[0],
                "--client-secret",
                PEER_CLIENT[1],
                "--password",
                PEER_PASSWORD,
                "--users",
                "1000",
            ],
            {},
        )
    spies = []
    if args.profile and target == "ours":
        spies = profile.start(pid, args.warmup + args.duration + 1, Path(args.profile), scenario)
    result = run_driver(procs, py, base, f"{target} {scenario}", [*common, *extra], out, env_extra)
    for spy in spies:
        spy.wait(30)
    if spies:
        print(
            f"[profile] ours {scenario}:\n"
            + profile.summarize(sorted(Path(args.profile).glob(f"{scenario}-*.txt"))),
            flush=True,
        )
    return result


# ------------------------------------------------------------------------------ report


def _ratio(a, b) -> str:
    try:
        return f"{a / b:5.2f}"
    except (TypeError, ZeroDivisionError):
        return "  -  "


def _num(r: dict | None, key: str, fmt: str) -> str:
    v = (r or {}).get(key)
    return format(v, fmt) if isinstance(v, (int, float)) else "-"


FIGURES = ("ops_per_s", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms_per_op")


def _median_side(results: list[dict]) -> dict | None:
    """One side's rounds as one result: each figure the median of its rounds, errors summed."""
    if not results:
        return None
    merged = {
        k: statistics.median(v)
        for k in FIGURES
        if (v := [r[k] for r in results if isinstance(r.get(k), (int, float))])
    }
    merged["errors"] = sum(r.get("errors") or 0 for r in results)
    return merged


def combine(runs: list[tuple[dict | None, dict | None]]) -> tuple[dict | None, dict | None, dict]:
    """One scenario's rounds, each a pair (ours, peer) driven back to back: each side's
    figures as the median of its rounds, errors summed, and the paired ratios (ours / peer
    within each round, then their median). A pair shares its spell of the machine, whose
    speed drifts by up to 25 % within a minute here, so the paired median is what the
    ratio columns show; a round that failed on either side is left out of the pairs."""
    ours = _median_side([o for o, _ in runs if o])
    peer = _median_side([p for _, p in runs if p])
    whole = [(o, p) for o, p in runs if o and p]
    per_round = {k: [o[k] / p[k] for o, p in whole if o.get(k) and p.get(k)] for k in FIGURES}
    paired = {k: {"median": statistics.median(v), "rounds": v} for k, v in per_round.items() if v}
    return ours, peer, paired


def rounds_lines(rows) -> list[str]:
    """Each scenario's per-round ratios, throughput and p99, ours / peer."""
    lines = []
    for name, _o, _p, paired in rows:
        if len(paired.get("ops_per_s", {}).get("rounds", ())) < 2:
            continue
        ops, p99 = paired["ops_per_s"], paired.get("p99_ms", {"rounds": []})
        lines.append(
            f"{name:<11} ops/s ratio per round {' '.join(f'{x:.2f}' for x in ops['rounds'])}"
            f"; p99 ratio per round {' '.join(f'{x:.2f}' for x in p99['rounds'])}"
        )
    return lines


def table(rows: list[tuple[str, dict | None, dict | None, dict]], names=("ours", "peer")) -> str:
    """Side by side; the ratio columns are the paired medians when a scenario ran in rounds."""
    a, b = names

    def ratio(o, p, paired, key):
        if key in paired:
            return f"{paired[key]['median']:5.2f}"
        return _ratio((o or {}).get(key), (p or {}).get(key))

    head = (
        f"{'scenario':<11}|{'ops/s ' + a:>11}{b:>9}{'ratio':>7} |"
        f"{'p50 ms ' + a:>12}{b:>8} |{'p95 ' + a:>9}{b:>8} |"
        f"{'p99 ' + a:>9}{b:>8} |{'CPU ms/op ' + a:>15}{b:>9}{'ratio':>7} |"
        f"{'err ' + a + '/' + b:>14}"
    )
    lines = [head, "-" * len(head)]
    for name, o, p, paired in rows:
        lines.append(
            f"{name:<11}|{_num(o, 'ops_per_s', '11.1f'):>11}{_num(p, 'ops_per_s', '9.1f'):>9}"
            f"{ratio(o, p, paired, 'ops_per_s'):>7} |"
            f"{_num(o, 'p50_ms', '12.2f'):>12}{_num(p, 'p50_ms', '8.2f'):>8} |"
            f"{_num(o, 'p95_ms', '9.2f'):>9}{_num(p, 'p95_ms', '8.2f'):>8} |"
            f"{_num(o, 'p99_ms', '9.2f'):>9}{_num(p, 'p99_ms', '8.2f'):>8} |"
            f"{_num(o, 'server_cpu_ms_per_op', '15.3f'):>15}"
            f"{_num(p, 'server_cpu_ms_per_op', '9.3f'):>9}"
            f"{ratio(o, p, paired, 'server_cpu_ms_per_op'):>7} |"
            f"{_num(o, 'errors', 'd'):>8}/{_num(p, 'errors', 'd'):<5}"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------ main


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma separated, from {', '.join(SCENARIOS)}",
    )
    p.add_argument("--concurrency", type=int, default=16, help="driver workers (default 16)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds measured per scenario")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    p.add_argument(
        "--ours-warmup",
        type=float,
        default=0.0,
        help="seconds of each scenario driven against ours, unmeasured, before the first round "
        "(a JIT server: --server-python)",
    )
    p.add_argument("--quick", action="store_true", help="5 s per scenario, 2 s warm-up")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="drive each scenario this many times against each server, the order flipping "
        "every round (ours-peer, peer-ours, ...); figures are medians over the rounds and "
        "ratios the median of each round's paired ratio (default 1)",
    )
    add_server_args(p)
    p.add_argument(
        "--argon2-profile",
        default="default",
        help="IDP_ARGON2_PROFILE: default (production cost) or fast (to isolate it)",
    )
    p.add_argument("--peer-pw-hash", default="none", help="peer's PW_HASH: none|scrypt|pbkdf2")
    p.add_argument(
        "--peer-rotate-rt",
        action="store_true",
        help="peer rotates refresh tokens on every use, as ours does (ROTATE_RT=1)",
    )
    p.add_argument(
        "--peer-pbkdf2-iters",
        type=int,
        default=None,
        help="peer's PBKDF2_ITERS with --peer-pw-hash pbkdf2",
    )
    p.add_argument(
        "--fair",
        action="store_true",
        help="the peer does the same work as ours: it verifies passwords with PBKDF2 "
        "at the CPU cost of our argon2id verify (iterations calibrated at start) "
        "and rotates refresh tokens",
    )
    p.add_argument(
        "--pg",
        default="host=127.0.0.1 port=5432 user=postgres dbname=postgres",
        help="admin DSN of the PostgreSQL server",
    )
    p.add_argument("--db-name", default="bench_idp", help="database (dropped and recreated)")
    p.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/15",
        help="Redis URL with a db index of its own (flushed)",
    )
    p.add_argument("--no-peer", action="store_true", help="only our IdP")
    p.add_argument(
        "--metrics-compare",
        action="store_true",
        help="instead of the peer, a second IdP on the same database and Redis with "
        "IDP_METRICS_ENABLED=false: the cost of the metrics (issue 15), scenario by scenario",
    )
    p.add_argument(
        "--versus-python",
        default=None,
        metavar="PATH",
        help="instead of the peer, a second IdP on the same database and Redis served by "
        "PATH (a venv's python; bench/cpython_env.sh builds one on a PGO+LTO CPython): two "
        "interpreters, scenario by scenario; ours is --server-python",
    )
    p.add_argument("--no-ours", action="store_true", help="only the peer")
    p.add_argument("--out", default=None, help="JSON lines file (default bench/out/<time>.jsonl)")
    p.add_argument(
        "--profile",
        default=None,
        metavar="DIR",
        help="py-spy every server worker during each of our scenarios; raw "
        "stacks in DIR, a where-the-CPU-went summary printed (bench/profile.py)",
    )
    a = p.parse_args(argv)
    server_defaults(a)
    if a.quick:
        a.duration, a.warmup = 5.0, 2.0
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    if a.metrics_compare and a.versus_python:
        p.error("--metrics-compare and --versus-python both take the peer's place")
    if twin(a):
        a.no_peer = a.no_ours = False
    a.scenarios = [s.strip() for s in a.scenarios.split(",") if s.strip()]
    unknown = set(a.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenarios: {sorted(unknown)}")
    return a


def calibrate_pbkdf2(argon2_profile: str, rounds: int = 11) -> int:
    """PBKDF2-SHA256 iterations that cost node as much CPU as one argon2id verify of ours
    (32-byte output, one SHA-256 block, as the peer's server.mjs derives it).

    Each of ``rounds`` rounds measures both costs back to back and keeps their ratio; the
    median ratio sets the iterations. On this shared 2-core VM the machine's speed drifts by
    up to 25 % within a minute, so two costs measured apart (the least of each, as before the
    sixth session) could come from different spells and set the peer's cost too high or too
    low for the whole run; a pair shares its spell, and the median drops a round spoiled by a
    noisy neighbour. Both estimates are logged. Five rounds of 10 and 5 hashes gave the peer
    84,323 to 106,142 iterations in six runs of one morning (ninth session), a spread of
    ±12 % in the login's ratio before any server ran; eleven rounds of 20 and 10 cost ~8 s."""
    import statistics

    from flask import Flask

    from idp.services import passwords

    app = Flask("calibrate")
    passwords.configure(app, argon2_profile)
    probe = (
        "const c=require('crypto');c.pbkdf2Sync('warm','salt',1000,32,'sha256');"
        "const t=process.cpuUsage();"
        "for(let i=0;i<10;i++)c.pbkdf2Sync('bench-password','salt',100000,32,'sha256');"
        "const u=process.cpuUsage(t);console.log((u.user+u.system)/10/1000)"
    )
    argon2_runs, pbkdf2_runs = [], []
    with app.app_context():
        stored = passwords.hash_password("bench-password")
        passwords.verify_password(stored, "bench-password")  # warm
        for _ in range(rounds):
            t0 = time.process_time()
            for _ in range(20):
                passwords.verify_password(stored, "bench-password")
            argon2_runs.append((time.process_time() - t0) / 20 * 1e3)
            out = subprocess.run(["node", "-e", probe], check=True, capture_output=True, text=True)
            pbkdf2_runs.append(float(out.stdout))
    ratio = statistics.median(a / p for a, p in zip(argon2_runs, pbkdf2_runs, strict=True))
    iters = max(1000, round(100_000 * ratio))
    least = round(100_000 * min(argon2_runs) / min(pbkdf2_runs))
    a_ms, p_ms = (", ".join(f"{x:.1f}" for x in runs) for runs in (argon2_runs, pbkdf2_runs))
    log(
        f"fair: argon2id ({argon2_profile}) verify ms CPU {a_ms}; "
        f"node PBKDF2-SHA256 100k iterations ms {p_ms}; "
        f"median paired ratio -> peer PBKDF2_ITERS={iters} (least of each would give {least})"
    )
    return iters


def metrics_env(logs: Path, on: bool) -> dict:
    """The metrics settings of one IdP: on, as served (every worker counting into an emptied
    PROMETHEUS_MULTIPROC_DIR), or off (IDP_METRICS_ENABLED=false)."""
    if not on:
        return {"IDP_METRICS_ENABLED": "false"}
    from webcommon.metrics import reset_dir

    folder = reset_dir(logs / "metrics-idp")
    return {"IDP_METRICS_ENABLED": "true", "PROMETHEUS_MULTIPROC_DIR": str(folder)}


def start_twin(args, procs: Procs, logs: Path, metrics: dict) -> tuple[str, subprocess.Popen]:
    """A second IdP of ours in the peer's place, on the database and Redis that ours seeded,
    with its own issuer URL and the ``metrics`` settings (``metrics_env``)."""
    port = free_port()
    env = idp_env(args, f"http://127.0.0.1:{port}", tempfile.mkdtemp(prefix="bench-idp-"))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # an inherited one would turn it on
    env.update(metrics)
    return start_server(args, procs, logs, env, port)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.fair:
        args.peer_pw_hash, args.peer_rotate_rt = "pbkdf2", True
        args.peer_pbkdf2_iters = calibrate_pbkdf2(args.argon2_profile)
    logs, out, procs = start_run("idp_load", args.out)
    rows = []
    try:
        base = PEER_SRC if twin(args) else peer_dir()  # the driver only
        py = driver_python(base)
        targets = {}
        if not args.no_ours:
            args.database_url = fresh_database(args.pg, args.db_name)
            args.redis_url = flushed_redis(args.redis)
            targets["ours"] = start_idp(args, procs, logs, metrics_env(logs, True))
        if args.metrics_compare:
            targets["peer"] = start_twin(args, procs, logs, metrics_env(logs, False))
        elif args.versus_python:
            other = argparse.Namespace(**{**vars(args), "server_python": args.versus_python})
            targets["peer"] = start_twin(other, procs, logs, metrics_env(logs / "versus", True))
        elif not args.no_peer:
            targets["peer"] = start_peer(args, procs, base, logs)
        log(
            f"{args.concurrency} workers, {args.duration:g} s (+{args.warmup:g} s warm-up) per "
            f"scenario; nproc {os.cpu_count()}; results -> {out}"
        )
        if args.ours_warmup and "ours" in targets:
            # PyPy compiles a path only after thousands of requests through it: no round
            # should measure that
            url, proc = targets["ours"]
            spare = argparse.Namespace(**{**vars(args), "duration": args.ours_warmup})
            for sc in args.scenarios:
                log(f"ours: {args.ours_warmup:g} s of {sc}, not measured")
                drive(spare, procs, py, base, "ours", url, proc.pid, sc, logs / "warm-up.jsonl")
        for sc in args.scenarios:
            runs = []
            for r in range(args.rounds):
                order = list(targets.items())[:: -1 if r % 2 else 1]
                res = {
                    target: drive(args, procs, py, base, target, url, proc.pid, sc, out)
                    for target, (url, proc) in order
                }
                runs.append((res.get("ours"), res.get("peer")))
            rows.append((sc, *combine(runs)))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        procs.stop_all()
    names = ("on", "off") if args.metrics_compare else ("ours", "peer")
    names = ("ours", "versus") if args.versus_python else names
    conf = (
        f"ours: {describe(args, 'ours')}; {names[1]}: {describe(args, 'peer')}; "
        f"concurrency {args.concurrency}, {args.duration:g} s per scenario"
        + (f", {args.rounds} rounds (medians; ratios paired)" if args.rounds > 1 else "")
    )
    report = [conf, table(rows, names), *rounds_lines(rows), "", f"results: {out}"]
    print("\n" + "\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
