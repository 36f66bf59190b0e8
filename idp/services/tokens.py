"""Issued tokens, each kept where its life fits.

Access tokens live in the store (Redis, or in-process when embedded) under the SHA-256 of
their value, with a TTL equal to their lifetime, and are indexed by family and by account so
that revocation, logout and suspension end every one of them at once. Refresh tokens and
their families live in SQL: they must outlive a restart of Redis, and reuse detection needs
a durable "already rotated" mark. A flushed store is therefore an outage of access tokens
only: clients refresh (or log in again) and carry on.
"""

import json
import secrets
import time
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import TokenMixin
from flask import current_app
from sqlalchemy import bindparam, insert, select, update

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
) -> None:
    """Keep a token response: the access token in the store (one round trip), the refresh
    token, if any, as a row of its family in the session's transaction."""
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
        db.session.execute(
            _INSERT_REFRESH,
            {
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
            },
        )


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
    row = db.session.execute(_BY_REFRESH, {"h": secret_hash(value)}).first()
    return RefreshRecord(**row._mapping) if row is not None else None


_CLAIM = (
    update(_REFRESH)
    .where(
        _REFRESH.c.token_hash == bindparam("h"),
        _REFRESH.c.client_id == bindparam("cid"),
        _REFRESH.c.rotated.is_(False),
        _REFRESH.c.revoked.is_(False),
        _REFRESH.c.expires_at > bindparam("now"),
    )
    .values(rotated=True)
    .returning(*_REFRESH.columns)
)


def claim(value: str | None, client_id: str, now: float) -> RefreshRecord | None:
    """Mark a usable refresh token of this client as used and return it, in one statement
    (UPDATE … RETURNING); None when it is unknown, another client's, already used, revoked
    or expired. The mark belongs to the request's transaction: a request that fails after it
    (an invalid scope, say) is not committed, so the token stays usable. A concurrent second
    use waits for the row lock, then finds the token used."""
    if not value:
        return None
    params = {"h": secret_hash(value), "cid": client_id, "now": int(now)}
    row = db.session.execute(_CLAIM, params).first()
    return RefreshRecord(**row._mapping) if row is not None else None


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
