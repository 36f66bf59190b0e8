"""CPU per call of the library calls a login leans on, in this interpreter: an RSA-2048
signature (cryptography), one PostgreSQL query (psycopg), one Redis GET (redis-py), a JSON
round trip and an argon2id production verify. Each call is timed over as many calls again as
it was warmed up with, so a JIT (PyPy) is measured warm. Compares interpreters, not servers:

    .venv/bin/python bench/calls.py
    bench/.pypy/venv/bin/python bench/calls.py        # bench/pypy_env.sh
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def per_call(fn, calls: int) -> float:
    """µs of CPU per call, over ``calls`` calls after as many for warm-up."""
    for _ in range(calls):
        fn()
    start = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) / calls * 1e6


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = p.parse_args(argv)

    import psycopg
    import redis
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from idp.services.passwords import hasher_for

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    document = {"sub": "20100066603", "roles": ["VUCE.ADMIN"], "exp": 1.5e9, "name": "x" * 50}
    hasher = hasher_for("default")
    stored = hasher.hash("bench-password")
    with psycopg.connect(args.pg, autocommit=True) as pg:
        store = redis.Redis.from_url(args.redis)
        figures = {
            "RSA-2048 signature": per_call(
                lambda: key.sign(b"x" * 300, padding.PKCS1v15(), hashes.SHA256()), 300
            ),
            "PostgreSQL query": per_call(
                lambda: pg.execute("select %s::int", (1,)).fetchone(), 2000
            ),
            "Redis GET": per_call(lambda: store.get("bench-calls"), 3000),
            "JSON dumps + loads": per_call(lambda: json.loads(json.dumps(document)), 20000),
            "argon2id verify (production)": per_call(
                lambda: hasher.verify(stored, "bench-password"), 20
            ),
        }
    impl = f"{sys.implementation.name} {sys.version.split()[0]}"
    for name, us in figures.items():
        print(f"{impl}: {name}: {us:,.1f} µs of CPU per call")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
