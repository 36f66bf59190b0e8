"""Signing keys rotated (in-process and by `flask keys rotate` in another process) while
logins run: every login completes, every ID token verifies against the published JWKS."""

import os
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.support.oidc import Flow

from .conftest import CLIENT_ID, CLIENT_SECRET, PASSWORD, RUC, USER

pytestmark = pytest.mark.slow

LOGIN_THREADS = 3
SECONDS = 6.0


def _login_loop(base: str, stop: threading.Event, results: list, lock: threading.Lock):
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            flow = Flow(base, CLIENT_ID, CLIENT_SECRET)
            token = flow.full_login(RUC, USER, PASSWORD)
            claims = flow.id_claims(token["id_token"])  # JWKS fetched after the token
            assert claims["aud"] == CLIENT_ID
            info = requests.get(
                f"{base}/userinfo",
                timeout=8,
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
            assert info.status_code == 200, info.text
            outcome = None
        except Exception as exc:  # recorded, asserted on below
            outcome = f"{type(exc).__name__}: {str(exc)[:300]}"
        with lock:
            results.append((time.monotonic() - t0, outcome))


def _cli_rotate(idp) -> subprocess.CompletedProcess:
    cfg = idp.app.config
    env = dict(
        os.environ,
        IDP_DATABASE_URL=cfg["DATABASE_URL"],
        IDP_REDIS_URL=cfg["REDIS_URL"],
        IDP_INSTANCE_PATH=cfg["INSTANCE_PATH"],
        IDP_SECRET_KEY=cfg["SECRET_KEY"],
        IDP_ISSUER=cfg["ISSUER"],
    )
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.run(
        [flask, "--app", "idp", "keys", "rotate", "--lead", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_key_rotation_during_logins_breaks_none(faults_idp):
    base = faults_idp.url
    stop, lock, results = threading.Event(), threading.Lock(), []
    threads = [
        threading.Thread(target=_login_loop, args=(base, stop, results, lock), daemon=True)
        for _ in range(LOGIN_THREADS)
    ]
    for t in threads:
        t.start()
    rotations = 0
    t0 = time.monotonic()
    cli = None
    while time.monotonic() - t0 < SECONDS:
        time.sleep(0.4)
        faults_idp.rotate_keys(lead=0)
        rotations += 1
        if cli is None and time.monotonic() - t0 > SECONDS / 2:
            cli = _cli_rotate(faults_idp)  # another process, as an operator would
            rotations += 1
    stop.set()
    for t in threads:
        t.join(timeout=30)
    failures = [why for _, why in results if why]
    latencies = sorted(d for d, _ in results)
    print(
        f"\n[key rotation] {rotations} rotations ({'CLI ok' if cli.returncode == 0 else 'CLI'}"
        f" + in-process) during {len(results)} logins; failures {len(failures)}; login p50 "
        f"{latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert len(results) >= 10
    assert not failures, failures[:5]


def test_jwks_and_signing_never_fail_while_keys_rotate(idp):
    """Regression: the key cache used to be replaced attribute by attribute, so a request
    thread could pair the rows of a new load with the keys of the old one (KeyError → 500)."""
    stop, lock, statuses = threading.Event(), threading.Lock(), {}

    def hammer():
        http = requests.Session()
        while not stop.is_set():
            code = http.get(f"{idp.url}/jwks", timeout=10).status_code
            with lock:
                statuses[code] = statuses.get(code, 0) + 1

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    t0, rotations = time.monotonic(), 0
    while rotations < 8 and time.monotonic() - t0 < 10:
        idp.rotate_keys(lead=0)
        rotations += 1
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    print(f"\n[jwks during {rotations} rotations] {statuses}")
    assert set(statuses) == {200}, statuses


def test_concurrent_first_requests_create_one_key_per_algorithm(idp):
    """Regression: on a fresh database, simultaneous first requests (a login and a JWKS
    probe) each created signing keys, so the key that signs could change between reloads."""
    from sqlalchemy import func, select

    from idp.storage import db
    from idp.storage.oauth import SigningKey

    barrier = threading.Barrier(6)
    statuses = []

    def first():
        barrier.wait()
        statuses.append(requests.get(f"{idp.url}/jwks", timeout=15).status_code)

    threads = [threading.Thread(target=first) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    with idp.app.app_context():
        per_alg = dict(
            db.session.execute(select(SigningKey.alg, func.count()).group_by(SigningKey.alg)).all()
        )
    assert statuses == [200] * 6
    assert per_alg == {"RS256": 1, "ES256": 1}, per_alg
