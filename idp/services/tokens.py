"""Issued tokens, each kept where its life fits.

Access tokens live in the store (Redis, or in-process when embedded) under the SHA-256 of
their value, with a TTL equal to their lifetime, and are indexed by family and by account so
that revocation, logout and suspension end every one of them at once. Refresh tokens and
their families live in SQL: they must outlive a restart of Redis, and reuse detection needs
a durable "already rotated" mark. A flushed store is therefore an outage of access tokens
only: clients refresh (or log in again) and carry on.

On the hot path each SQL step is one statement on its own (``webcommon.db.execute_alone``): a
code exchange inserts its refresh token; a refresh reads its token, and once the answer is
ready and its access token is in the store, marks the token used and inserts its successor
in one statement (``rotate_staged``).
"""

import json
import secrets
import time
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import TokenMixin
from flask import current_app, g
from sqlalchemy import bindparam, insert, select, update

from webcommon.db import execute_alone

from ..storage.db import db
from ..storage.oauth import RefreshToken, secret_hash
from . import clients, snapshots

ACCESS_PREFIX = "at:"


def new_family() -> str:
    """A family groups a code's tokens and every refresh rotated from them."""
    return secrets.token_hex(16)


def _store():
    return current_app.extensions["sol_store"]


def access_key(value: str) -> str:
    """The store key of an access token value (only its hash is kept)."""
    return ACCESS_PREFIX + secret_hash(value)


def _family_index(family: str) -> str:
    return "at-family:" + family


def _account_index(account: str) -> str:
    return "at-account:" + account


@dataclass
class AccessToken(TokenMixin):
    """An access token as the store holds it (JSON); revoked ones are simply gone."""

    client_id: str
    account: str | None
    scope: str
    family: str | None
    sid: str | None
    auth_time: int | None
    issued_at: int
    expires_in: int
    refresh_hash: str | None = None  # the refresh token issued with it, if any

    def check_client(self, client):
        return self.client_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def get_expires_at(self):
        return self.issued_at + self.expires_in

    def is_expired(self):
        return self.get_expires_at() <= time.time()

    def is_revoked(self):
        return False  # a revoked token is deleted from the store

    def get_user(self):
        return snapshots.account(self.account, getattr(self, "directory_version", None))

    def get_client(self):
        return clients.cached(self.client_id)


@dataclass
class RefreshRecord(TokenMixin):
    """A refresh token row, read with one Core SELECT (no ORM unit of work)."""

    id: int
    token_hash: str
    family: str
    client_id: str
    account: str | None
    scope: str
    sid: str | None
    auth_time: int | None
    issued_at: int
    expires_at: int
    revoked: bool
    rotated: bool

    def check_client(self, client):
        return self.client_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_at - self.issued_at

    def get_expires_at(self):
        return self.expires_at

    def is_expired(self):
        return self.expires_at <= time.time()

    def is_revoked(self):
        return self.revoked

    def is_usable(self, now: float) -> bool:
        return not self.revoked and not self.rotated and self.expires_at > now


# Core statements on the table, not the ORM class: an ORM-enabled UPDATE goes through the
# bulk-persistence machinery (~15 % of a refresh request's CPU), and nothing reads rows back.
_REFRESH = RefreshToken.__table__
_INSERT_REFRESH = insert(_REFRESH)
_BY_REFRESH = select(*_REFRESH.columns).where(_REFRESH.c.token_hash == bindparam("h"))


def _revoke_refresh_where(condition) -> int:
    return db.session.execute(update(_REFRESH).where(condition).values(revoked=True)).rowcount


def save(
    token: dict,
    *,
    client_id: str,
    account: str | None,
    family: str,
    sid=None,
    auth_time=None,
    refresh_ttl: int = 0,
    now=None,
    replaces: RefreshRecord | None = None,
) -> None:
    """Keep a token response: the access token in the store (one round trip), the refresh
    token, if any, as a row of its family. The successor of a refresh token (``replaces``) is
    only staged: ``rotate_staged`` writes it once the access token is in the store, so that a
    store failure never spends the client's refresh token."""
    now = int(now or time.time())
    refresh = token.get("refresh_token")
    refresh_hash = secret_hash(refresh) if refresh else None
    expires_in = int(token.get("expires_in", 0))
    record = AccessToken(
        client_id,
        account,
        token.get("scope", ""),
        family,
        sid,
        auth_time,
        now,
        expires_in,
        refresh_hash,
    )
    # A client_credentials token belongs to no family worth revoking and to no account.
    indexes = (_family_index(family),) if account or refresh else ()
    if account:
        indexes += (_account_index(account),)
    ttl = max(1, now + expires_in - int(time.time()))
    _store().set_indexed(access_key(token["access_token"]), json.dumps(vars(record)), ttl, indexes)
    if refresh:
        row = {
            "token_hash": refresh_hash,
            "family": family,
            "client_id": client_id,
            "account": account,
            "scope": token.get("scope", ""),
            "sid": sid,
            "auth_time": auth_time,
            "issued_at": now,
            "expires_at": now + refresh_ttl,
            "revoked": False,
            "rotated": False,
        }
        if replaces is None:
            execute_alone(db, _INSERT_REFRESH, row)
        else:
            g.sol_rotation = (replaces, row)


def parse_access(raw: bytes | None) -> AccessToken | None:
    """The record of a store value (from ``by_access`` or a batched read)."""
    if raw is None:
        return None
    token = AccessToken(**json.loads(raw))
    return None if token.is_expired() else token


def by_access(value: str | None) -> AccessToken | None:
    """The live access token with this value, or None (unknown, expired or revoked).

    The directory's version stamp comes back in the same round trip, so that finding the
    token's account (``get_user``) costs no second call to the store."""
    if not value:
        return None
    raw, version = _store().mget(access_key(value), snapshots.VERSION_KEY)
    token = parse_access(raw)
    if token is not None:
        token.directory_version = version
    return token


def by_refresh(value: str | None) -> RefreshRecord | None:
    """The refresh token row of a value (whatever its state), or None."""
    if not value:
        return None
    rows = execute_alone(db, _BY_REFRESH, {"h": secret_hash(value)})
    return RefreshRecord(**rows[0]._asdict()) if rows else None


# The rotation in one statement on PostgreSQL: the successor is inserted only if the claim
# (the old token still usable, now marked used) succeeded, atomically, in one round trip.
_NEW_COLUMNS = [c for c in _REFRESH.columns if c.name != "id"]
_CLAIM_BY_ID = (
    update(_REFRESH)
    .where(
        _REFRESH.c.id == bindparam("old"),
        _REFRESH.c.rotated.is_(False),
        _REFRESH.c.revoked.is_(False),
        _REFRESH.c.expires_at > bindparam("now"),
    )
    .values(rotated=True)
)
_CLAIMED = _CLAIM_BY_ID.returning(_REFRESH.c.id).cte("claimed")
_ROTATE = (
    insert(_REFRESH)
    .from_select(
        [c.name for c in _NEW_COLUMNS],
        select(*[bindparam("new_" + c.name, type_=c.type) for c in _NEW_COLUMNS]).select_from(
            _CLAIMED
        ),
    )
    .add_cte(_CLAIMED)
    .returning(_REFRESH.c.id)
)


def rotate_staged() -> bool:
    """Write the rotation ``save(replaces=…)`` staged: the old refresh token is marked used
    and its successor inserted, together, and only if the old one is still usable. False
    when it no longer is (a concurrent use of the same token won): that is reuse, and the
    whole family is revoked, the access token just stored with it.

    On PostgreSQL one statement (a data-modifying CTE); on SQLite, which has none, two
    statements in the session's transaction, committed with the answer."""
    staged = g.pop("sol_rotation", None)
    if staged is None:
        return True
    old, row = staged
    claim = {"old": old.id, "now": row["issued_at"]}
    if db.engine.dialect.name == "postgresql":
        new = {"new_" + name: value for name, value in row.items()}
        done = bool(execute_alone(db, _ROTATE, {**claim, **new}))
    else:
        done = db.session.execute(_CLAIM_BY_ID, claim).rowcount == 1
        if done:
            db.session.execute(_INSERT_REFRESH, row)
    if not done:
        revoke_family(old.family)
        db.session.commit()
    return done


def revoke_family(family: str) -> int:
    """Revoke every access and refresh token of a family (code replay, refresh reuse)."""
    ended = _store().delete_indexed(_family_index(family))
    return ended + _revoke_refresh_where(_REFRESH.c.family == family)


def revoke_account(account: str) -> int:
    """Revoke every token of an account (suspension, deletion, a changed clave)."""
    ended = _store().delete_indexed(_account_index(account))
    return ended + _revoke_refresh_where(_REFRESH.c.account == account)


def revoke_access(value: str, token: AccessToken) -> None:
    """RFC 7009 for an access token: it ends, and so does the refresh token issued with it."""
    _store().delete(access_key(value))
    if token.refresh_hash:
        _revoke_refresh_where(_REFRESH.c.token_hash == token.refresh_hash)


def revoke_refresh(row: RefreshRecord) -> None:
    """RFC 7009 §2.1: revoking a refresh token also ends the access tokens of its grant."""
    _store().delete_indexed(_family_index(row.family))
    _revoke_refresh_where(_REFRESH.c.id == row.id)
