"""Key rotation timing with an injected clock (no sleeping), on an IdP of its own so that
no other thread (a relying party probing /jwks) creates keys meanwhile."""

from flask_migrate import upgrade

from idp import create_app
from idp.storage import db
from tests.support.databases import fresh_database_url


def test_rotation_in_the_same_second_switches_and_keeps_old_keys(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "ARGON2_PROFILE": "fast",
            "DATABASE_URL": fresh_database_url("keyring", tmp_path),
        }
    )
    ring = app.extensions["sol_keyring"]
    t = 2_000_000_000
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        first = dict(zip(("RS256", "ES256"), ring.ensure(now=t), strict=True))
        db.session.commit()
        published_later = ring.rotate(lead=3600, now=t)
        db.session.commit()
        assert ring.signing_key("RS256", now=t + 1)[0] == first["RS256"]  # not yet
        assert published_later[0] in {k["kid"] for k in ring.jwks(now=t + 1)["keys"]}
        now_keys = ring.rotate(lead=0, now=t)
        db.session.commit()
        ring.invalidate()
        assert ring.signing_key("RS256", now=t + 1)[0] == now_keys[0]
        assert ring.signing_key("ES256", now=t + 1)[0] == now_keys[1]
        kids = {k["kid"] for k in ring.jwks(now=t + 1)["keys"]}
        assert first["RS256"] in kids and first["ES256"] in kids  # still verifiable
        ring.invalidate()
        expired = {k["kid"] for k in ring.jwks(now=t + 10 * 3600)["keys"]}
        assert first["RS256"] not in expired and now_keys[0] in expired


def test_a_burst_after_cache_expiry_reloads_once_and_imports_each_key_once(tmp_path, monkeypatch):
    """Many JWKS requests arriving when the per-process cache has expired used to reload the
    keys one request after another (an RSA import is ~40 ms): a probe storm then queued
    hundreds of requests behind each other. Now one thread reloads, the others use it, and
    a kid already imported is never imported again."""
    import threading

    from idp.oidc import keys as keys_module

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "ARGON2_PROFILE": "fast",
            "DATABASE_URL": fresh_database_url("keyring_burst", tmp_path),
        }
    )
    ring = app.extensions["sol_keyring"]
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        ring.ensure()
        db.session.commit()
        ring.jwks()
    imports, selects = [], []
    real_import = keys_module._import
    monkeypatch.setattr(
        keys_module, "_import", lambda row: imports.append(row.kid) or real_import(row)
    )
    real_scalars = db.session.scalars

    def counting_scalars(stmt, *a, **kw):
        selects.append(1)
        return real_scalars(stmt, *a, **kw)

    ring.invalidate()
    start = threading.Barrier(20)
    results = []

    def request():
        with app.app_context():
            monkeypatch.setattr(db.session, "scalars", counting_scalars, raising=False)
            start.wait()
            results.append({k["kid"] for k in ring.jwks()["keys"]})

    threads = [threading.Thread(target=request) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 20 and all(r == results[0] for r in results) and len(results[0]) == 2
    assert imports == []  # both kids were imported before the burst
    assert len(selects) == 1  # one reload for the twenty requests


def test_a_request_holding_the_sqlite_write_lock_never_waits_for_a_key_creator(tmp_path):
    """The CI hang's shape: a token request has INSERTed its token (SQLite's write lock is
    its own until it commits) and needs a signing key while another thread, creating the
    first keys, waits for that write lock. The request waits a bounded time, creates keys
    itself and goes on; then the creator goes on too. Before, both waited until SQLite's
    busy timeout and the relying party timed out first."""
    import threading
    import time

    from sqlalchemy import insert

    from idp.storage.oauth import RefreshToken, SigningKey

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "ARGON2_PROFILE": "fast",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'locks.db'}",
        }
    )
    ring = app.extensions["sol_keyring"]
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.session.execute(SigningKey.__table__.delete())  # as a wiped database has
        db.session.commit()
    ring.invalidate()
    creator_started, creator_done = threading.Event(), {}

    def creator():
        with app.app_context():
            real_ensure = ring.ensure

            def slow_ensure(now=None):
                creator_started.set()
                return real_ensure(now)

            ring.ensure = slow_ensure
            try:
                creator_done["kids"] = ring.ensure_committed()
            except Exception as exc:  # noqa: BLE001 - reported below
                creator_done["error"] = exc
            finally:
                del ring.ensure

    with app.app_context():
        db.session.execute(
            insert(RefreshToken.__table__),
            {
                "token_hash": "h" * 64,
                "family": "f",
                "client_id": "c",
                "scope": "",
                "issued_at": 0,
                "expires_at": 60,
                "revoked": False,
                "rotated": False,
            },
        )  # the write lock is ours now
        thread = threading.Thread(target=creator)
        thread.start()
        assert creator_started.wait(5)
        time.sleep(0.3)  # the creator is now waiting for our write lock
        t0 = time.monotonic()
        kid, key = ring.signing_key("RS256")
        waited = time.monotonic() - t0
        db.session.commit()  # releases the write lock: the creator goes on
    thread.join(15)
    assert not thread.is_alive() and "error" not in creator_done, creator_done
    assert kid and key is not None and waited < 5, waited
    with app.app_context():
        ring.invalidate()
        published = {k["kid"] for k in ring.jwks()["keys"]}
    assert kid in published and set(creator_done["kids"]) <= published  # both pairs published


def test_an_app_started_on_a_migrated_database_has_its_keys_before_any_request(tmp_path):
    from sqlalchemy import func, select

    from idp.storage.oauth import SigningKey

    settings = {
        "INSTANCE_PATH": str(tmp_path),
        "ARGON2_PROFILE": "fast",
        "DATABASE_URL": fresh_database_url("keyring_start", tmp_path),
    }
    first = create_app(settings)  # no schema yet: nothing to do, no error
    with first.app_context():
        upgrade(directory=first.extensions["migrate"].directory)
        assert db.session.scalar(select(func.count()).select_from(SigningKey)) == 0
    second = create_app(settings)  # what every granian worker does at start
    with second.app_context():
        algs = db.session.scalars(select(SigningKey.alg)).all()
    assert sorted(algs) == ["ES256", "RS256"]
    third = create_app(settings)  # a restart keeps them
    with third.app_context():
        assert db.session.scalar(select(func.count()).select_from(SigningKey)) == 2
