"""The garbage collector's pauses in an IdP worker, with and without ``serve_app``'s freeze.

The IdP runs in this process on PostgreSQL + Redis, as in bench/inproc.py. After a warm-up,
rounds alternate between the heap as ``create_app`` leaves it and the heap after
``gc.freeze()`` (what ``serve_app`` does in every server worker; ``gc.unfreeze()`` undoes it
between rounds). Each round runs client_credentials tokens, SSO ops and full logins; for each
generation it prints how many collections ran, their total and their longest pause. A full
(generation 2) collection walks every object the collector sees, so its pause is what a
worker's queued requests wait for.

    .venv/bin/python bench/gc_pauses.py                 # 2 rounds each way
    .venv/bin/python bench/gc_pauses.py --rounds 1 --cc 3000
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import inproc  # noqa: E402


class Pauses:
    """Every collection's wall time, by generation (``gc.callbacks``)."""

    def __init__(self):
        self.by_gen: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._start = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase, info):
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.by_gen[info["generation"]].append((time.perf_counter() - self._start) * 1e3)

    def take(self) -> str:
        parts = []
        for gen, ms in self.by_gen.items():
            longest = max(ms, default=0.0)
            parts.append(f"gen{gen} {len(ms):4d} × total {sum(ms):6.1f} ms, max {longest:5.1f}")
            ms.clear()
        return " | ".join(parts)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=2, help="rounds each way (default 2)")
    p.add_argument("--cc", type=int, default=6000, help="client_credentials tokens per round")
    p.add_argument("--sso", type=int, default=1000, help="SSO ops per round")
    p.add_argument("--logins", type=int, default=600, help="full logins per round (fast argon2)")
    inproc.add_store_args(p)
    args = p.parse_args(argv)
    args.argon2_profile, args.db_name = "fast", "bench_gc"
    _, browser = inproc.start(args)
    for _ in range(20):  # warm-up: templates, snapshots, connections
        browser.login()
        browser.sso()
        browser.cc()
    pauses = Pauses()
    work = (
        ("cc", browser.cc, args.cc),
        ("sso", browser.sso, args.sso),
        ("login", browser.login, args.logins),
    )
    for n in range(args.rounds * 2):
        frozen = n % 2 == 1
        if frozen:
            gc.freeze()
        else:
            gc.unfreeze()  # the frozen objects go back to the oldest generation
        print(
            f"round {n // 2 + 1}, {'frozen' if frozen else 'as built'}: "
            f"{gc.get_freeze_count():,} objects frozen, {len(gc.get_objects()):,} seen"
        )
        for name, op, count in work:
            pauses.take()
            for _ in range(count):
                op()
            print(f"  {name:5} × {count:5}: {pauses.take()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
