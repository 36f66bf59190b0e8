"""Before/after of a change: the IdP at an earlier commit and at this checkout, served side by
side, the same driver alternating between them in short rounds.

On this shared 2-core VM the machine's speed drifts by up to 25 % within a minute, so two
runs of bench/idp_load.py minutes apart cannot show a 5 % change. Here both servers are up
for the whole run (granian, their own PostgreSQL database and Redis db, seeded alike), each
round drives one scenario against both back to back (the order flips every round), and the
table gives each side's median server CPU per op with the median of the per-round ratios:
a pair shares its spell of the machine.

    .venv/bin/python bench/ab.py --base HEAD~1                     # login,sso,refresh,cc
    .venv/bin/python bench/ab.py --base 70d59fe --scenarios login,refresh --rounds 6
    .venv/bin/python bench/ab.py --base HEAD --base-threads 4 --threads 1   # a layout, same code

The earlier commit is checked out into a temporary git worktree, removed at the end. Every
process started here is stopped by its PID at the end, also on Ctrl-C. Results: JSON lines in
``bench/out/``. See bench/README.md, "Issue 11, sixth session".
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.idp_harness import (  # noqa: E402
    REPO,
    add_server_args,
    driver_python,
    flushed_redis,
    fresh_database,
    log,
    peer_dir,
    server_defaults,
    start_idp,
    start_run,
)
from bench.idp_load import SCENARIOS, drive  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--base", default="HEAD~1", help="the earlier commit (default HEAD~1)")
    p.add_argument("--scenarios", default="login,sso,refresh,cc", help="comma separated")
    p.add_argument("--rounds", type=int, default=4, help="rounds per scenario (default 4)")
    p.add_argument("--duration", type=float, default=5.0, help="seconds measured per drive")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    p.add_argument("--concurrency", type=int, default=16, help="driver workers (default 16)")
    p.add_argument(
        "--argon2-profile", default="fast", help="IDP_ARGON2_PROFILE of both (default fast)"
    )
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--redis", default="redis://127.0.0.1:6379", help="dbs 13 and 14 are used")
    p.add_argument("--out", default=None, help="JSON lines file (default bench/out/<time>.jsonl)")
    p.add_argument(
        "--base-threads",
        type=int,
        default=None,
        help="granian blocking threads of the base side only (default: --threads)",
    )
    add_server_args(p)
    a = p.parse_args(argv)
    server_defaults(a)
    a.scenarios = [s.strip() for s in a.scenarios.split(",") if s.strip()]
    unknown = set(a.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenarios: {sorted(unknown)}")
    # what bench.idp_load.drive reads: our own driver arguments, no profiling
    a.metrics_compare, a.profile = False, None
    return a


def worktree(rev: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), rev],
        check=True,
        capture_output=True,
    )
    return path


def report(results: dict, scenarios: list[str], base: str) -> str:
    lines = [
        f"server CPU ms/op, median of the rounds (each round's value), base = {base}",
        f"{'scenario':10s} | {'base':>8s} {'this':>8s} | this/base: paired median (rounds)",
    ]
    for sc in scenarios:
        before, after = results[("base", sc)], results[("this", sc)]
        pairs = [b / a for a, b in zip(before, after, strict=True) if a and b]
        if not pairs:
            lines.append(f"{sc:10s} | (no complete round)")
            continue
        ok_before, ok_after = [x for x in before if x], [x for x in after if x]
        lines.append(
            f"{sc:10s} | {statistics.median(ok_before):8.3f} {statistics.median(ok_after):8.3f} | "
            f"{statistics.median(pairs):.3f} ({' '.join(f'{x:.2f}' for x in pairs)})"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    logs, out, procs = start_run("ab", args.out)
    tree = worktree(args.base)
    log(f"base {args.base} checked out at {tree}")
    results = {(side, sc): [] for side in ("base", "this") for sc in args.scenarios}
    threads = {"base": args.base_threads or args.threads, "this": args.threads}
    try:
        base = peer_dir()  # the driver only
        py = driver_python(base)
        servers = {}
        for side, root, db, index in (("base", tree, "ab_base", 13), ("this", REPO, "ab_this", 14)):
            args.database_url = fresh_database(args.pg, db)
            args.redis_url = flushed_redis(f"{args.redis.rstrip('/')}/{index}")
            args.threads = threads[side]
            servers[side] = start_idp(args, procs, logs, root=root)
        for r in range(args.rounds):
            order = list(servers.items())
            if r % 2:
                order.reverse()
            for sc in args.scenarios:
                for side, (url, proc) in order:
                    res = drive(args, procs, py, base, "ours", url, proc.pid, sc, out)
                    results[(side, sc)].append((res or {}).get("server_cpu_ms_per_op"))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        procs.stop_all()
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
            capture_output=True,
        )
    label = args.base if args.base_threads is None else f"{args.base}, {threads['base']} threads"
    print(f"\n{report(results, args.scenarios, label)}\n\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
