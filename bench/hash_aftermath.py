"""What a password hash costs the rest of a login: argon2id against PBKDF2 at the same CPU.

The fair login (bench/idp_load.py --fair) gives the peer PBKDF2 iterations that cost as much
CPU as our argon2id verify. Would a memory-hard hash (the production profile sweeps 19 MiB,
more than the core's 4 MiB L2) also cost the code that runs after it more than PBKDF2 does,
which touches a few hundred bytes? This measures that second cost in process, with
bench/inproc.py's login (PostgreSQL + Redis, fast-profile accounts, Werkzeug's client). On
this VM the answer was no: both, and a sleep as long, leave the rest of the login ~2 ms
dearer (bench/README.md, "Issue 11, twelfth session").

Blocks of ``--block`` logins, in turn (the order rotating every round):
- ``none``: the login as it is (its fast argon2id verify, 1 MiB);
- ``argon2id``: the same, plus one verify at the production profile after the login's own;
- ``pbkdf2``: the same, plus PBKDF2-SHA256 at iterations calibrated to that verify's CPU;
- ``idle``: the same, plus a sleep as long as that verify (no CPU: what the pause alone does);
- ``spin``: the same, plus an empty Python loop as long (CPU, and next to no memory);
- ``memtouch``: the same, plus copies of a 19 MiB buffer as long (memory traffic, no hash).
The added hash's own CPU is timed and taken out, so what is left above ``none`` is what the
hash made the rest of the login cost. Each block's figure is the mean CPU per login; the
table gives, for each kind, the median over rounds of its difference from the ``none`` block
of the same round.

    .venv/bin/python bench/hash_aftermath.py                 # 8 rounds of 4 x 100 logins
    .venv/bin/python bench/hash_aftermath.py --rounds 12 --block 60
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import inproc  # noqa: E402
from idp.services import passwords  # noqa: E402

KINDS = ("none", "argon2id", "pbkdf2", "idle", "spin", "memtouch")
PRODUCTION = passwords.hasher_for("default")  # the production profile (OWASP's baseline)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=8, help="rounds of one block per kind")
    p.add_argument("--block", type=int, default=100, help="logins per block (default 100)")
    inproc.add_store_args(p)
    a = p.parse_args(argv)
    a.argon2_profile, a.db_name = "fast", "bench_aftermath"
    return a


def cpu_of(fn, n: int) -> float:
    t0 = time.thread_time()
    for _ in range(n):
        fn()
    return (time.thread_time() - t0) / n


def spin(n: int) -> None:
    for _ in range(n):
        pass


def copies(src: bytearray, dst: bytearray, n: int) -> None:
    for _ in range(n):
        dst[:] = src


def calibrated_pbkdf2(argon2_verify) -> tuple[int, float, float]:
    """Iterations of PBKDF2-SHA256 (32 bytes) costing one production verify's CPU, the
    median of five paired measurements; with both per-hash costs in ms."""
    pairs = []
    for _ in range(5):
        a = cpu_of(argon2_verify, 10)
        p = cpu_of(lambda: hashlib.pbkdf2_hmac("sha256", b"bench", b"salt", 100_000, 32), 5)
        pairs.append((a, p))
    a, p = (statistics.median(x) for x in zip(*pairs, strict=True))
    return round(100_000 * a / p), a * 1e3, p * 1e3


def main(argv=None) -> int:
    args = parse_args(argv)
    stored = PRODUCTION.hash("bench-password")

    def argon2_verify():
        PRODUCTION.verify(stored, "bench-password")

    iters, a_ms, p_ms = calibrated_pbkdf2(argon2_verify)
    print(
        f"production argon2id verify {a_ms:.2f} ms CPU; PBKDF2-SHA256 100k {p_ms:.2f} ms -> "
        f"{iters} iterations",
        flush=True,
    )
    spins = round(a_ms / 1e3 / cpu_of(lambda: spin(100_000), 20) * 100_000)
    src, dst = bytearray(PRODUCTION.memory_cost * 1024), bytearray(PRODUCTION.memory_cost * 1024)
    passes = max(1, round(a_ms / 1e3 / cpu_of(lambda: copies(src, dst, 1), 20)))
    print(f"spin: {spins} empty iterations; memtouch: {passes} copies of 19 MiB", flush=True)
    extra = {
        "none": None,
        "argon2id": argon2_verify,
        "pbkdf2": lambda: hashlib.pbkdf2_hmac("sha256", b"bench", b"salt", iters, 32),
        "idle": lambda: time.sleep(a_ms / 1e3),
        "spin": lambda: spin(spins),
        "memtouch": lambda: copies(src, dst, passes),
    }
    timed, browser = inproc.start(args)
    login_verify, added = passwords.verify_password, []
    kind = "none"

    def verify(stored_hash, password):
        ok = login_verify(stored_hash, password)
        if extra[kind]:
            t0 = time.thread_time()
            extra[kind]()
            added.append(time.thread_time() - t0)
        return ok

    passwords.verify_password = verify
    for _ in range(20):  # warm-up: templates, snapshots, connections
        browser.login()
    blocks = {k: [] for k in KINDS}
    for r in range(args.rounds):
        for kind in KINDS[r % len(KINDS) :] + KINDS[: r % len(KINDS)]:
            added.clear()
            timed.reset()
            for _ in range(args.block):
                browser.login()
            total = sum(sum(v) for v in timed.cpu.values()) / args.block
            steps = {s: statistics.mean(v) for s, v in timed.cpu.items()}
            hash_cpu = sum(added) / args.block
            blocks[kind].append((total - hash_cpu, steps))
        print(
            f"round {r + 1}: "
            + "; ".join(f"{k} {blocks[k][-1][0] * 1e3:.3f} ms" for k in KINDS)
            + " (CPU per login, the added hash taken out)",
            flush=True,
        )
    print(report(blocks, args.rounds, args.block))
    return 0


def report(blocks: dict, rounds: int, block: int) -> str:
    base = blocks["none"]
    lines = [
        f"{rounds} rounds of {block} logins per kind; median over rounds of the difference "
        "from the same round's 'none' block, ms CPU per login",
        f"{'added hash':10s} | {'whole login':>11s} | "
        + " | ".join(f"{s:>20s}" for s in base[0][1]),
    ]
    for kind in KINDS[1:]:
        rows = blocks[kind]
        whole = statistics.median(k[0] - b[0] for k, b in zip(rows, base, strict=True))
        per_step = [
            statistics.median(k[1][s] - b[1][s] for k, b in zip(rows, base, strict=True))
            for s in base[0][1]
        ]
        lines.append(
            f"{kind:10s} | {whole * 1e3:+11.3f} | "
            + " | ".join(f"{x * 1e3:+20.3f}" for x in per_step)
        )
    lines.append(f"'none' itself: {statistics.median(b[0] for b in base) * 1e3:.3f} ms per login")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
