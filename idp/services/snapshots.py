"""Accounts and their claims as the hot path reads them: a per-process copy, kept honest by a
version stamp in the store.

Every token, userinfo and introspection request needs the account behind a token and the
claims built from it. Reading them from SQL each time was most of those requests' cost, yet
the directory changes rarely. So each process keeps a snapshot per account, tagged with the
directory version it was read at; every commit that touches an identity table (a new user,
a profile or role change, a suspension, a changed clave) writes a new random version to the
store, and the next request of every worker and instance sees it and reads SQL again. A
scheduled profile change (§5.3 delay) is honoured by also ending a snapshot at the next
profile boundary it knows of. Changes made behind the app's back (psql) are not seen until
the next change through the app or a restart.
"""

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g
from sqlalchemy import event

from ..storage.db import db, utcnow
from ..storage.identities import (
    ExtranetUser,
    PrincipalUser,
    ProfileAssignment,
    RoleAssignment,
    SecondaryUser,
    Taxpayer,
)
from . import accounts

VERSION_KEY = "directory-version"
_IDENTITY_TABLES = frozenset(
    m.__table__.name
    for m in (
        Taxpayer,
        PrincipalUser,
        SecondaryUser,
        ProfileAssignment,
        RoleAssignment,
        ExtranetUser,
    )
)
_MAX_ENTRIES = 10_000
_CHANGED = "sol_directory_changed"


@dataclass(frozen=True)
class Snapshot:
    account: accounts.Account | None  # None: no such account (remembered, see ``get``)
    identity: object  # domain.claims.Identity, sub included (the salt is per app)
    version: bytes
    until: datetime | None  # the next scheduled profile change: read SQL again from then


def _cache() -> dict:
    return current_app.extensions["sol_account_snapshots"]


def _store():
    return current_app.extensions["sol_store"]


def current_version(store=None) -> bytes:
    """The directory's version stamp; made on first use (and after a store flush)."""
    store = store or _store()
    version = store.get(VERSION_KEY)
    if version is None:
        store.add(VERSION_KEY, secrets.token_hex(8))
        version = store.get(VERSION_KEY)
    return version


def use_version(version: bytes | None) -> None:
    """Hand over the version stamp a caller read together with something else: the lookups
    of this request then agree with it and cost no round trip of their own."""
    if version is not None:
        g.sol_directory_version = version


def bump(store=None) -> None:
    """Tell every process that the directory changed."""
    (store or _store()).set(VERSION_KEY, secrets.token_hex(8))


def _load(key: str, version: bytes, now: datetime) -> Snapshot | None:
    account = accounts.load(key)
    if account is None:
        return None
    identity, until = accounts.identity_until(account, current_app.config["SUBJECT_SALT"], now)
    return Snapshot(account, identity, version, until)


def get(key: str | None, version: bytes | None = None) -> Snapshot | None:
    """The snapshot of an account key, read from SQL only when the directory changed since
    (``version`` may be passed when the caller fetched it together with something else)."""
    if not key:
        return None
    # One stamp per request: read once (or handed over), then every lookup agrees with it.
    if version is None:
        version = g.get("sol_directory_version") or current_version()
    g.sol_directory_version = version
    now = utcnow()
    cache = _cache()
    hit = cache.get(key)
    if hit is not None and hit.version == version and (hit.until is None or now < hit.until):
        return hit if hit.account is not None else None
    snap = _load(key, version, now)
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()
    # An absent key is remembered too (until the next directory change), so a login for an
    # unknown user reads SQL exactly as often as one for a known user: no timing oracle.
    cache[key] = snap if snap is not None else Snapshot(None, None, version, None)
    return snap


def account(key: str | None, version: bytes | None = None) -> accounts.Account | None:
    """The account of a key, as of the directory's current version."""
    snap = get(key, version)
    return snap.account if snap is not None else None


def find_sol(ruc: str, username: str) -> accounts.Account | None:
    """``accounts.find_sol`` served from the snapshots: the login form's lookup costs no SQL
    while the directory is unchanged, for known and unknown users alike."""
    username = (username or "").strip().upper()
    ruc = (ruc or "").strip()
    if ":" in ruc or ":" in username:  # not a key we can build: ask SQL, as before
        return accounts.find_sol(ruc, username)
    principal = account(accounts.principal_key(ruc))
    if principal is not None and principal.username == username:
        return principal
    return account(accounts.secondary_key(ruc, username))


def find_extranet(username: str) -> accounts.Account | None:
    """``accounts.find_extranet`` served from the snapshots, as ``find_sol``."""
    return account(accounts.extranet_key((username or "").strip().upper()))


def identity(acct: accounts.Account):
    """The claims' Identity of an account, as of the directory's current version."""
    snap = get(acct.key)
    if snap is None:  # deleted between two reads of one request: build it as it was
        return accounts.identity(acct, current_app.config["SUBJECT_SALT"])
    return snap.identity


# --- keeping the stamp honest -----------------------------------------------------------------


def _mark_flush(session, _flush_context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__tablename__", None)
        if table in _IDENTITY_TABLES:
            session.info[_CHANGED] = True
            return


def _mark_statement(state) -> None:
    # Core and ORM-enabled INSERT/UPDATE/DELETE statements bypass the flush.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _IDENTITY_TABLES:
            state.session.info[_CHANGED] = True


def _after_commit(session) -> None:
    if session.info.pop(_CHANGED, False):
        bump()


def _after_rollback(session) -> None:
    session.info.pop(_CHANGED, None)


_installed = threading.Lock()


def install(app) -> None:
    """Give the app its snapshot cache; watch the shared session for directory changes."""
    app.extensions["sol_account_snapshots"] = {}
    with _installed:
        if not event.contains(db.session, "after_commit", _after_commit):
            event.listen(db.session, "after_flush", _mark_flush)
            event.listen(db.session, "do_orm_execute", _mark_statement)
            event.listen(db.session, "after_commit", _after_commit)
            event.listen(db.session, "after_rollback", _after_rollback)
