"""The shared database handle: SQLite in WAL mode for the embedded setup, and a request whose
session cannot even be closed (database gone) still gets its answer."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError

from tests.support.databases import fresh_database_url
from webcommon.db import autocommit_engine, discard_session, execute_alone, new_db

postgres_only = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only"
)


def _app(tmp_path, url=None):
    app = Flask(__name__, instance_path=str(tmp_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = url or f"sqlite:///{tmp_path / 'app.db'}"
    db = new_db()
    db.init_app(app)
    return app, db


@contextmanager
def _postgres(tmp_path, name: str, ddl: str | None = None):
    """The handle of an app on a fresh PostgreSQL database, inside its app context, with
    ``ddl`` run and committed."""
    app, db = _app(tmp_path, fresh_database_url(name, tmp_path))
    with app.app_context():
        if ddl:
            db.session.execute(text(ddl))
            db.session.commit()
        yield db


def test_sqlite_file_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    app, db = _app(tmp_path)
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_a_reader_inside_a_transaction_does_not_block_a_writer(tmp_path):
    app, db = _app(tmp_path)
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (v INTEGER)"))
        db.session.commit()
    reader = sqlite3.connect(tmp_path / "app.db", timeout=0)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)  # snapshot held open
    writer = sqlite3.connect(tmp_path / "app.db", timeout=0)  # would fail at once if blocked
    writer.execute("INSERT INTO t VALUES (1)")
    writer.commit()
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)  # still its snapshot
    reader.rollback()
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
    reader.close()
    writer.close()


def test_in_memory_sqlite_is_left_alone(tmp_path):
    app, db = _app(tmp_path, "sqlite:///:memory:")
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "memory"


def test_teardown_survives_a_session_that_cannot_close(tmp_path):
    app, db = _app(tmp_path)

    @app.get("/")
    def index():
        db.session.execute(text("SELECT 1"))

        def broken_close():
            raise sqlite3.OperationalError("server closed the connection unexpectedly")

        db.session().close = broken_close  # what a dropped connection does at pool reset
        return "ok"

    resp = app.test_client().get("/")
    assert (resp.status_code, resp.text) == (200, "ok")
    with app.app_context():  # and the next request gets a working session
        assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_discard_session_after_a_failed_rollback(tmp_path):
    app, db = _app(tmp_path)
    with app.app_context():
        session = db.session()

        def broken_rollback():
            raise sqlite3.OperationalError("connection already closed")

        session.rollback = broken_rollback
        discard_session(db)  # does not raise
        assert db.session() is not session
        assert db.session.execute(text("SELECT 1")).scalar() == 1


@postgres_only
def test_execute_alone_commits_on_its_own_autocommit_pool(tmp_path):
    with _postgres(tmp_path, "execute_alone", "CREATE TABLE t (v integer)") as db:
        sibling = autocommit_engine(db.engine)
        assert autocommit_engine(db.engine) is sibling and sibling is not db.engine
        assert sibling.url == db.engine.url

        # No transaction open in the session: the row is committed by the statement itself.
        execute_alone(db, text("INSERT INTO t VALUES (1)"))
        assert db.session.execute(text("SELECT count(*) FROM t")).scalar() == 1
        # Inside the session's transaction it joins it, and a rollback takes it back.
        assert execute_alone(db, text("INSERT INTO t VALUES (2) RETURNING v")) == [(2,)]
        db.session.rollback()
        assert [r.v for r in execute_alone(db, text("SELECT v FROM t"))] == [1]

        with sibling.connect() as conn:  # autocommit from the moment it opens
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
            assert conn.connection.driver_connection.autocommit
        assert sibling.pool.checkedin() >= 1
        db.engine.dispose()  # e.g. after a database restart: the sibling's pool goes too
        assert sibling.pool.checkedin() == 0


@postgres_only
def test_execute_alone_on_the_driver_gives_what_sqlalchemy_gives(tmp_path):
    """Unobserved, a statement on its own runs through psycopg (compiled once, prepared);
    its rows and its effects are those of SQLAlchemy's Connection, which runs it whenever
    someone listens to the engine's statements."""
    with _postgres(tmp_path, "execute_driver") as db:
        table = Table(
            "t",
            db.metadata,
            Column("id", Integer, primary_key=True),
            Column("name", String(20), unique=True),
            Column("flag", Boolean, nullable=False),
            Column("stamp", Integer, default=lambda: 7),  # a default computed in Python
        )
        add, by_name = insert(table), select(table).where(table.c.name == bindparam("n"))
        db.create_all()
        sibling = autocommit_engine(db.engine)
        seen = []

        def record(_conn, _cursor, statement, *_args):
            seen.append(statement)

        rows = {}
        for observed in (False, True):
            if observed:
                event.listen(sibling, "before_cursor_execute", record)
            name = f"n{int(observed)}"
            # an INSERT's implicit RETURNING of its key is not a row of the caller's
            assert execute_alone(db, add, {"name": name, "flag": observed, "stamp": 1}) == []
            (row,) = execute_alone(db, by_name, {"n": name})
            rows[observed] = (row.name, row.flag, row.stamp, sorted(row._asdict()))
        event.remove(sibling, "before_cursor_execute", record)
        assert len(seen) == 2  # only the observed pair went through SQLAlchemy's Connection
        assert rows == {
            False: ("n0", False, 1, ["flag", "id", "name", "stamp"]),
            True: ("n1", True, 1, ["flag", "id", "name", "stamp"]),
        }
        # the Python-side default needs SQLAlchemy's execution, which then runs it
        execute_alone(db, add, {"name": "n3", "flag": True})
        assert execute_alone(db, by_name, {"n": "n3"})[0].stamp == 7
        # so does an IN list, rendered at execution
        among = (
            select(table.c.name)
            .where(table.c.name.in_(bindparam("ns", expanding=True)))
            .order_by(table.c.name)
        )
        assert [r.name for r in execute_alone(db, among, {"ns": ["n0", "n3", "x"]})] == [
            "n0",
            "n3",
        ]
        # committed on their own: another connection sees both rows
        with db.engine.connect() as conn:
            names = conn.execute(select(table.c.name).order_by("name")).scalars().all()
            assert names == ["n0", "n1", "n3"]
        # Boolean's strict check still applies, and fails as SQLAlchemy's does
        for bad in ({"name": "n2", "flag": "yes", "stamp": 1}, {"name": "n2", "flag": "yes"}):
            with pytest.raises(StatementError, match="Not a boolean value"):
                execute_alone(db, add, bad)


@postgres_only
def test_driver_errors_are_sqlalchemys_and_a_lost_connection_leaves_the_pool(tmp_path):
    with _postgres(tmp_path, "driver_errors", "CREATE TABLE u (v integer PRIMARY KEY)") as db:
        execute_alone(db, text("INSERT INTO u VALUES (:v)"), {"v": 1})
        with pytest.raises(IntegrityError):  # what a view's error handling expects
            execute_alone(db, text("INSERT INTO u VALUES (:v)"), {"v": 1})
        # the pooled connection's server process dies (a database restart, a failover)
        (pid,) = execute_alone(db, text("SELECT pg_backend_pid() AS pid"))[0]
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        with pytest.raises(OperationalError) as lost:
            execute_alone(db, text("SELECT 1 AS one"))
        assert lost.value.connection_invalidated
        # the dead connection was dropped: the next statement gets a fresh one
        (again,) = execute_alone(db, text("SELECT pg_backend_pid() AS pid"))[0]
        assert again != pid
