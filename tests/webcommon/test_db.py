"""The shared database handle: SQLite in WAL mode for the embedded setup, and a request whose
session cannot even be closed (database gone) still gets its answer."""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import text

from webcommon.db import discard_session, new_db


def _app(tmp_path, url=None):
    app = Flask(__name__, instance_path=str(tmp_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = url or f"sqlite:///{tmp_path / 'app.db'}"
    db = new_db()
    db.init_app(app)
    return app, db


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
