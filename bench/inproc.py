"""CPU and wall time of each request of a full login and of an SSO op, in process.

The IdP app runs in this process on PostgreSQL + Redis (a fresh database ``bench_inproc``,
Redis db 12), seeded as bench/idp_load.py seeds it. Werkzeug's test client drives it with no
server and no concurrency, and ``time.thread_time()`` and the wall clock are read around the
WSGI app for every request. Wall minus CPU is the time the request waited on PostgreSQL or
Redis. This separates a request's own cost from the serving layer and from the load.

    .venv/bin/python bench/inproc.py                 # 300 logins, then 300 SSO ops, fast argon2
    .venv/bin/python bench/inproc.py --ops 1000 --argon2-profile default
    bench/.pypy/venv/bin/python bench/inproc.py --ops 1000 --blocks 10 --settle   # PyPy's JIT
"""

from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import logging
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import idp_harness as harness  # noqa: E402
from webcommon.serving import settle  # noqa: E402


def add_store_args(p: argparse.ArgumentParser) -> None:
    """The PostgreSQL server and the Redis db of an in-process bench (the benches that build
    the app with ``start`` share them)."""
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="flushed first")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--ops", type=int, default=300, help="logins, then SSO ops (default 300)")
    p.add_argument("--argon2-profile", default="fast", help="IDP_ARGON2_PROFILE (default fast)")
    p.add_argument(
        "--blocks", type=int, default=1, help="blocks of --ops logins, one line each (default 1)"
    )
    p.add_argument(
        "--settle",
        action="store_true",
        help="the app as a server's worker has it (webcommon.serving.settle: gc.freeze on "
        "CPython, the JIT's limits on PyPy)",
    )
    add_store_args(p)
    return p.parse_args(argv)


class Timed:
    """The app's WSGI callable, timed per request under the current step's name."""

    def __init__(self, app):
        self.inner, self.step = app.wsgi_app, "-"
        self.cpu, self.wall = collections.defaultdict(list), collections.defaultdict(list)
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        cpu, wall = time.thread_time(), time.perf_counter()
        body = b"".join(self.inner(environ, start_response))
        self.cpu[self.step].append(time.thread_time() - cpu)
        self.wall[self.step].append(time.perf_counter() - wall)
        return [body]

    def reset(self) -> None:
        self.cpu.clear()
        self.wall.clear()

    def report(self, label: str) -> str:
        parts, cpu_total, wall_total = [], 0.0, 0.0
        for step, values in self.cpu.items():
            cpu, wall = statistics.mean(values) * 1e3, statistics.mean(self.wall[step]) * 1e3
            cpu_total, wall_total = cpu_total + cpu, wall_total + wall
            parts.append(f"{step} {cpu:.3f}/{wall:.3f}")
        self.reset()
        return f"{label}: {cpu_total:.3f} ms CPU / {wall_total:.3f} ms wall ({'; '.join(parts)})"


class Browser:
    """One browser and one client (``bench``) against the app."""

    def __init__(self, app, timed: Timed):
        self.app, self.timed = app, timed
        self.client = app.test_client()
        secret = f"{harness.CLIENT_ID}:{harness.CLIENT_SECRET}".encode()
        self.basic = {"Authorization": "Basic " + base64.b64encode(secret).decode()}

    def _request(self, step, method, url, **kw):
        self.timed.step = step
        return self.client.open(url, method=method, **kw)

    def _authorize(self, step):
        verifier = secrets.token_urlsafe(32)
        digest = hashlib.sha256(verifier.encode()).digest()
        params = {
            "response_type": "code",
            "client_id": harness.CLIENT_ID,
            "redirect_uri": harness.REDIRECT_URI,
            "scope": harness.DRIVER_SCOPE,
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        return verifier, self._request(step, "GET", "/authorize?" + urlencode(params))

    def _finish(self, verifier, location):
        code = parse_qs(urlsplit(location).query)["code"][0]
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": harness.REDIRECT_URI,
            "code_verifier": verifier,
        }
        token = self._request("token", "POST", "/token", data=data, headers=self.basic)
        bearer = {"Authorization": "Bearer " + token.get_json()["access_token"]}
        assert self._request("userinfo", "GET", "/userinfo", headers=bearer).status_code == 200

    def login(self):
        self.client = self.app.test_client()  # a new browser: no cookies
        verifier, page = self._authorize("GET /authorize (form)")
        fields = dict(re.findall(r'name="(csrf_token|challenge)"[^>]*value="([^"]*)"', page.text))
        fields.update(ruc=harness.RUC, usuario=harness.SECONDARY, clave=harness.PASSWORD)
        answer = self._request("POST /login", "POST", "/login", data=fields)
        assert answer.status_code in (302, 303), answer.text[:300]
        self._finish(verifier, answer.headers["Location"])

    def cc(self):
        data = {"grant_type": "client_credentials"}
        answer = self._request("token (cc)", "POST", "/token", data=data, headers=self.basic)
        assert "access_token" in answer.get_json(), answer.text[:300]

    def sso(self):
        verifier, answer = self._authorize("GET /authorize (SSO)")
        assert answer.status_code == 302, answer.status_code
        self._finish(verifier, answer.headers["Location"])


def start(args) -> tuple[Timed, Browser]:
    """The IdP in this process on a fresh PostgreSQL database and a flushed Redis db (``args``:
    pg, redis, argon2_profile, and db_name if not ``bench_inproc``), seeded as
    bench/idp_load.py seeds it; timed, with its browser."""
    args.database_url = harness.fresh_database(args.pg, getattr(args, "db_name", "bench_inproc"))
    args.redis_url = harness.flushed_redis(args.redis)
    env = harness.idp_env(args, "http://localhost", tempfile.mkdtemp(prefix="bench-inproc-"))
    harness.seed_idp(env)
    os.environ.update(env)
    from idp import create_app

    app = create_app()
    logging.disable(logging.INFO)  # one "token issued" line per op would bury the figures
    timed = Timed(app)
    return timed, Browser(app, timed)


def main(argv=None) -> int:
    args = parse_args(argv)
    timed, browser = start(args)
    if args.settle:
        settle(browser.app)
    for _ in range(20):  # warm-up: templates, snapshots, connections
        browser.login()
        browser.sso()
    timed.reset()
    for block in range(args.blocks):
        for _ in range(args.ops):
            browser.login()
        label = f"login ({args.argon2_profile} argon2)"
        print(timed.report(label if args.blocks == 1 else f"{label}, block {block + 1}"))
    for _ in range(args.ops):
        browser.sso()
    print(timed.report("SSO op"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
