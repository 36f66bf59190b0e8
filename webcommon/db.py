"""A Flask-SQLAlchemy handle per app with the naming convention both schemas use, and the
one clock of stored timestamps."""

import logging
import time
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.exc import DisconnectionError

# Named constraints so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


log = logging.getLogger("webcommon.db")

# A pooled connection used this recently is not pinged again before its next use (HikariCP's
# "aliveBypassWindowMs" is 500 ms too): under load every checkout would otherwise cost one more
# round trip, while an idle connection, the one a database restart may have killed, still is.
ALIVE_BYPASS_SECONDS = 0.5


class _SQLAlchemy(SQLAlchemy):
    def _make_engine(self, bind_key, options, app):
        engine = super()._make_engine(bind_key, options, app)
        if engine.dialect.name == "sqlite":
            if engine.url.database not in (None, "", ":memory:"):
                event.listen(engine, "connect", _sqlite_pragmas)
        elif not options.get("pool_pre_ping"):
            _ping_idle_connections(engine)
        return engine

    def _teardown_session(self, exc: BaseException | None) -> None:
        """End the request's session even when the database just went away.

        Closing returns the connection to the pool, which rolls it back; on a connection the
        server has just dropped that can raise, and an exception in teardown escapes every
        error handler (the client would get the server's bare 500 page after a good answer).
        The pool has already invalidated the connection by then, so forgetting it is safe.
        """
        try:
            self.session.remove()
        except Exception as err:  # noqa: BLE001 - any driver error; the request is over
            log.warning("session teardown failed (database gone?): %s", err)
            self.session.registry.clear()


def _ping_idle_connections(engine) -> None:
    """pool_pre_ping, but only for connections idle longer than ALIVE_BYPASS_SECONDS. A dead
    one is replaced (DisconnectionError makes the pool retry with a new connection); a dead
    busy one fails its request, and the pool then drops every connection of the old server."""

    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < ALIVE_BYPASS_SECONDS:
            return  # a new connection, or one used a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """The embedded database serves several threads (the dev server, gunicorn threads): in
    WAL mode readers never block the writer nor the writer them, so a slow reader cannot
    stall a token request into the caller's timeout; a writer queues behind another."""
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def new_db() -> SQLAlchemy:
    """A separate metadata per app: the IdP and VUCE never share tables."""
    return _SQLAlchemy(metadata=MetaData(naming_convention=NAMING))


def utcnow() -> datetime:
    """Naive UTC timestamp (every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def autocommit_reads(db) -> None:
    """For a request that only reads: its statements run in autocommit, so no BEGIN and no
    ROLLBACK round trip is made around them. Call before the request's first statement; the
    pool restores the connection's usual isolation when the session ends."""
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def discard_session(db) -> None:
    """Roll back after a failure; if even that fails (the connection is gone with the
    database), drop the session so the next use starts on a fresh connection."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - whatever the driver raised, the session is unusable
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001
            db.session.registry.clear()


def commit_if_begun(db) -> None:
    """Commit the request's session only when it began a transaction or holds changes: merely
    opening a session costs (~8 % of a userinfo request), and an empty commit still
    builds a session and a transaction (~10 % of a client_credentials request, whose token
    lives in the store and which touches no table)."""
    if not db.session.registry.has():
        return
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        session.commit()
