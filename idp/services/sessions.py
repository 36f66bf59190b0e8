"""SSO sessions at the IdP, kept in the store so every worker and instance sees them.

``sso:<sid>`` holds the account, auth_time, amr and the clients that received a code in
this session (back-channel logout targets); ``sso-account:<key>`` indexes sids per account.
"""

import json
import secrets
import time
from dataclasses import dataclass, field

from . import snapshots, tokens
from .accounts import Account


@dataclass
class SsoSession:
    sid: str
    account: str
    auth_time: int
    amr: list = field(default_factory=lambda: ["pwd"])
    acr: str = "urn:sunat:sol:clave"
    clients: list = field(default_factory=list)


def _key(sid: str) -> str:
    return f"sso:{sid}"


def _index(account: str) -> str:
    return f"sso-account:{account}"


def create(store, account: str, ttl: int, *, amr=None, now=None) -> SsoSession:
    """Open a new session with a fresh, unguessable sid (the id changes at every login)."""
    s = SsoSession(secrets.token_urlsafe(24), account, int(now or time.time()), amr or ["pwd"])
    store.set(_key(s.sid), json.dumps(s.__dict__), ttl=ttl)
    store.sadd(_index(account), s.sid, ttl=ttl)
    return s


def get(store, sid: str | None) -> SsoSession | None:
    """The live session with this sid, or None."""
    return parse(store.get(_key(sid))) if sid else None


def get_with_version(
    store, sid: str | None, *also: str
) -> tuple[SsoSession | None, bytes | None, list[bytes | None]]:
    """The session and the directory's version stamp, in one round trip (every SSO request
    reads both: the session, then its account's snapshot); ``also``: keys the request will
    read next, fetched in the same round trip (their values come third, None without a
    session: nothing is read then)."""
    if not sid:
        return None, None, [None] * len(also)
    raw, version, *extra = store.mget(_key(sid), snapshots.VERSION_KEY, *also)
    return parse(raw), version, extra


def parse(raw: bytes | None) -> SsoSession | None:
    return SsoSession(**json.loads(raw)) if raw else None


def add_client(store, s: SsoSession, client_id: str, ttl: int) -> None:
    """Remember that a client holds a login from this session."""
    if client_id not in s.clients:
        s.clients.append(client_id)
        store.set(_key(s.sid), json.dumps(s.__dict__), ttl=ttl)


def end(store, sid: str) -> SsoSession | None:
    """Close one session; return it so the caller can notify its clients."""
    raw = store.pop(_key(sid))
    if not raw:
        return None
    s = SsoSession(**json.loads(raw))
    store.srem(_index(s.account), sid)
    return s


def end_all(store, account: str) -> list[SsoSession]:
    """Close every session of an account (suspension, deletion)."""
    ended = [s for sid in store.smembers(_index(account)) if (s := end(store, sid))]
    store.delete(_index(account))
    return ended


@dataclass(frozen=True)
class EndedLogins:
    """An account whose logins were ended, and the SSO sessions that were closed (each names
    the clients holding a login from it): whom the caller tells, once the change is committed,
    by back-channel logout (``idp.oidc.logout.commit_then_notify``)."""

    account: Account
    sessions: tuple[SsoSession, ...]


def end_account(store, account: Account) -> EndedLogins:
    """Suspension or deletion: close every SSO session of the account and revoke every token
    (the refresh tokens in this transaction); nobody is told yet."""
    ended = tuple(end_all(store, account.key))
    tokens.revoke_account(account.key)
    return EndedLogins(account, ended)
