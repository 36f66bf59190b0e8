"""Fresh databases and stores for a test session: SQLite/in-process by default, or
PostgreSQL/Redis over real connections when TEST_DATABASE_URL / TEST_REDIS_URL are set."""

import atexit
import os
import re

import sqlalchemy as sa

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def fresh_database_url(name: str, tmp_dir) -> str:
    """A new, empty database for this session (dropped and recreated on PostgreSQL)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_dir}/{name}.sqlite3"
    # The pid keeps concurrent runs on one server apart; the database is dropped at exit.
    dbname = re.sub(r"[^a-z0-9_]", "_", f"vs_{name}_{WORKER}_{os.getpid()}".lower())
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{dbname}"'))
    atexit.register(_drop, admin, dbname)
    return base.rsplit("/", 1)[0] + "/" + dbname


def _drop(admin, dbname: str) -> None:
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    except Exception:  # the server may be gone at exit; a leftover database is harmless
        pass
    admin.dispose()


def redis_url(index: int) -> str | None:
    """A Redis database of its own per app and xdist worker, or None (in-process store)."""
    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        return None
    worker = int(WORKER[2:] or 0) if WORKER.startswith("gw") else 0
    return base.rsplit("/", 1)[0] + f"/{(index + 2 * worker) % 16}"


def truncate_all(db) -> None:
    """Empty every table, children first (fast isolation between tests)."""
    meta = db.metadata
    with db.engine.begin() as conn:
        for table in reversed(meta.sorted_tables):
            conn.execute(table.delete())


def flush_store(store) -> None:
    """Forget every short-lived value (codes, sessions, lockouts, rate limits)."""
    if hasattr(store, "_r"):
        store._r.flushdb()
    else:
        with store._lock:
            store._data.clear()


def embedded_app(name: str, tmp_path):
    """The IdP (``name`` "idp") or VUCE ("vuce") with its development defaults and a database
    of its own."""
    if name == "idp":
        from idp import create_app
    else:
        from vuce_client import create_app
    return create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": fresh_database_url(f"{name}_{tmp_path.name}"[:40], tmp_path),
        }
    )
