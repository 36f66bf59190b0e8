"""A Flask-SQLAlchemy handle per app with the naming convention both schemas use, and the
one clock of stored timestamps."""

import logging
import time
import weakref
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from psycopg.rows import namedtuple_row
from sqlalchemy import MetaData, engine_from_config, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, StatementError

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
        else:
            _OPTIONS[engine] = options  # its autocommit sibling is made with the same ones
            if not options.get("pool_pre_ping"):
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


def execute_alone(db, statement, params=None) -> list:
    """Run one statement as a transaction of its own and return its rows (none for a write
    without RETURNING): tuples that also answer ``row.name`` and ``row._asdict()``.

    On PostgreSQL, while the request's session has no transaction open, the statement runs on
    an autocommit connection: one round trip, where the session would pay three (BEGIN, the
    statement, COMMIT), and through the driver (``_execute_on_driver``). Inside an open
    transaction it joins it, to be committed with it. On SQLite it always runs in the session
    (committed with it): round trips cost nothing there, and a second connection would wait
    behind the session's write lock."""
    if db.engine.dialect.name == "postgresql" and not (
        db.session.registry.has() and db.session().in_transaction()
    ):
        engine = autocommit_engine(db.engine)
        compiled = None if _observed(engine) else _driver_ready(engine, statement, params or {})
        if compiled is not None:
            return _execute_on_driver(engine, compiled, params or {})
        with engine.connect() as conn:
            result = conn.execute(statement, params)
            return result.all() if result.returns_rows else []
    result = db.session.execute(statement, params)
    return result.all() if result.returns_rows else []


def _observed(engine) -> bool:
    """Someone listens to the engine's statements (tests, tracing): they go through
    SQLAlchemy's Connection then, which is what fires those events."""
    return bool(engine.dispatch.before_cursor_execute or engine.dispatch.after_cursor_execute)


_COMPILED: dict = {}  # (statement, dialect, parameter names) -> (statement, compiled or None)


def _driver_ready(engine, statement, params: dict):
    """The statement compiled for the driver, once per set of parameter names; None when
    only SQLAlchemy's execution can run it: another driver than psycopg, a column default
    computed in Python (its value comes from the execution context), a parameter rendered
    at execution (an expanding IN list)."""
    dialect = engine.dialect
    if dialect.driver != "psycopg":
        return None
    key = (id(statement), id(dialect), tuple(params))
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not statement:
        if len(_COMPILED) >= 256:  # statements made per call (text()) must not pile up
            _COMPILED.clear()
        compiled = statement.compile(dialect=dialect, column_keys=list(params))
        if (
            compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled.post_compile_params
            or compiled.literal_execute_params
        ):
            compiled = None
        entry = _COMPILED[key] = (statement, compiled)
    return entry[1]


def _execute_on_driver(engine, compiled, params: dict) -> list:
    """One compiled statement on a pooled autocommit connection, through psycopg itself.

    SQLAlchemy's Connection costs more CPU than the round trip: in a full login, the refresh
    token's INSERT took 0.54-0.63 ms of CPU through it and 0.15-0.29 ms through the driver
    (bench/README.md, issue 11, ninth session). The statement is prepared on the server; the
    pool, its pings and its invalidation stay SQLAlchemy's, and the driver's errors become
    SQLAlchemy's as Connection raises them (a lost server: OperationalError, and the
    connection leaves the pool). An INSERT's implicit RETURNING of its key is read and
    dropped, as Connection does."""
    dialect = engine.dialect
    values = compiled.construct_params(params)
    try:
        for name, process in compiled._bind_processors.items():  # e.g. Boolean's strict check
            if name in values:
                values[name] = process(values[name])
    except Exception as err:  # noqa: BLE001 - as Connection wraps a parameter's failure
        raise StatementError(str(err), compiled.string, params, err) from err
    fairy = cursor = None
    try:
        fairy = engine.raw_connection()
        cursor = fairy.driver_connection.cursor(row_factory=namedtuple_row)
        cursor.execute(compiled.string, values, prepare=True)
        rows = cursor.fetchall() if cursor.description else []
        if compiled.implicit_returning:
            rows = []
    except dialect.loaded_dbapi.Error as err:
        driver = fairy.driver_connection if fairy is not None else None
        lost = dialect.is_disconnect(err, driver, cursor)
        if lost and fairy is not None:
            fairy.invalidate(err)
        raise DBAPIError.instance(
            compiled.string,
            values,
            err,
            dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=dialect,
        ) from err
    finally:
        if cursor is not None:
            cursor.close()
        if fairy is not None:
            fairy.close()
    return rows


_OPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_AUTOCOMMIT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def autocommit_engine(engine):
    """The engine's autocommit sibling: the same URL and pool options, made on first use, its
    connections in autocommit from the moment they open, and disposed with the engine.

    A pool of its own, because switching a shared connection to autocommit and back costs
    four driver calls per statement (set and reset autocommit and the isolation level), and
    the rollback on check-in a fifth, which a connection that never opens a transaction has no
    use for: 0.50 -> 0.36 ms of CPU per statement (bench/README.md, issue 11, sixth session)."""
    sibling = _AUTOCOMMIT.get(engine)
    if sibling is None:
        options = {
            **_OPTIONS.get(engine, {"url": engine.url}),
            "isolation_level": "AUTOCOMMIT",
            "pool_reset_on_return": None,
        }
        sibling = _AUTOCOMMIT[engine] = engine_from_config(options, prefix="")
        if not options.get("pool_pre_ping"):
            _ping_idle_connections(sibling)
        event.listen(engine, "engine_disposed", lambda _engine: sibling.dispose())
    return sibling


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
