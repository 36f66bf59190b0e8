"""Instructions per login, SSO op or client_credentials token, counted by valgrind: an A/B
that the machine's noise does not reach.

On this shared 2-core VM the CPU time of the same in-process login varies by 20-30 % from one
minute to the next (bench/inproc.py gave 6.1 and 7.9 ms for two runs back to back), so a change
worth 3 % cannot be seen in a few rounds. ``valgrind --tool=callgrind`` counts the instructions
the process executes instead; two runs of the same code differ by 0.02 %. Two processes run
at once, each with its own database and Redis db: one that starts the IdP and warms it up
(20 ops), one that does the same and then ``--ops`` more; the difference over ``--ops`` is the
cost of one op in this process: Python, the libraries and the client side of PostgreSQL and
Redis. The servers' own work is not counted, nor the serving layer (granian); instructions are
not time (a cache miss costs no instruction), so a change is confirmed under load in the end.

    .venv/bin/python bench/instructions.py                # login, fast argon2, 100 ops (~2 min)
    .venv/bin/python bench/instructions.py --kind sso --ops 200
    .venv/bin/python bench/instructions.py --kind cc --ops 1000     # a client_credentials token
    .venv/bin/python bench/instructions.py --without limiter   # a part's cost: bench/without.py
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.without import PARTS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 20


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--kind", choices=("login", "sso", "cc"), default="login")
    p.add_argument("--ops", type=int, default=100, help="measured ops (default 100)")
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--redis-dbs", default="12,13", help="two Redis db indexes, flushed first")
    p.add_argument("--without", choices=sorted(PARTS), help="a part of bench/without.py removed")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)  # ops to run in this process
    p.add_argument("--db-name", default="bench_instructions", help=argparse.SUPPRESS)
    p.add_argument("--redis", default="redis://127.0.0.1:6379/12", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def child(args) -> int:
    from bench import inproc

    args.argon2_profile = "fast"
    _, browser = inproc.start(args)
    if args.without:
        from bench.without import parts  # imports the app: only in the counted process

        parts()[args.without][0]()
    op = getattr(browser, args.kind)
    if args.kind == "sso":
        browser.login()  # the session the SSO ops use
    for _ in range(WARM_UP + args.child):
        op()
    return 0


def count(args, ops: int, index: int, folder: Path) -> subprocess.Popen:
    db = args.redis_dbs.split(",")[index]
    cmd = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={folder}/callgrind.{index}.out",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(ops),
        "--kind",
        args.kind,
        "--pg",
        args.pg,
        "--db-name",
        f"bench_instructions_{index}",
        "--redis",
        f"redis://127.0.0.1:6379/{db}",
    ] + (["--without", args.without] if args.without else [])
    log = open(folder / f"valgrind.{index}.log", "w")  # noqa: SIM115 - closed with the process
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same dict layouts in both processes
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def collected(log: Path) -> int:
    found = re.findall(r"Collected : (\d+)", log.read_text())
    if not found:
        raise SystemExit(f"no instruction count in {log}:\n{log.read_text()[-2000:]}")
    return int(found[-1])


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        return child(args)
    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    runs = [count(args, 0, 0, folder), count(args, args.ops, 1, folder)]
    if any(run.wait() for run in runs):
        raise SystemExit(f"a counted run failed: see {folder}")
    base, measured = (collected(folder / f"valgrind.{i}.log") for i in (0, 1))
    per_op = (measured - base) / args.ops
    print(
        f"{args.kind}{' without ' + args.without if args.without else ''}: "
        f"{per_op / 1e6:.2f} M instructions per op "
        f"({args.ops} ops after {WARM_UP}; start-up and warm-up {base / 1e9:.2f} G; {folder})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
