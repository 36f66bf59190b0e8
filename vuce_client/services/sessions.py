"""The VUCE session registry in the store: server-side, revocable by sid or sub.

The browser's cookie carries only a random session id; the record lives in the store under
``vuce:sess:<id>`` and is indexed by the IdP session id (``sid``) and subject (``sub``) so that
a back-channel logout ends every VUCE session of that user, in every process.
"""

from __future__ import annotations

import json
import secrets

_SESS = "vuce:sess:"
_BY_SID = "vuce:sess-by-sid:"
_BY_SUB = "vuce:sess-by-sub:"


def create(store, record: dict, ttl: int) -> str:
    """Store a new session record; returns its id."""
    session_id = secrets.token_urlsafe(32)
    save(store, session_id, record, ttl)
    return session_id


def save(store, session_id: str, record: dict, ttl: int) -> None:
    """Write (or rewrite) a session record and its sid/sub indexes."""
    store.set(_SESS + session_id, json.dumps(record), ttl=ttl)
    for sid in {c.get("sid") for c in record.get("components", {}).values()} - {None}:
        _index(store, _BY_SID + sid, session_id, ttl)
    if record.get("sub"):
        _index(store, _BY_SUB + record["sub"], session_id, ttl)


def _index(store, key: str, session_id: str, ttl: int) -> None:
    # An index lives as long as its longest session: a short contingency session added after
    # an 8-hour SOL one must not make the SOL one unfindable by sub.
    store.sadd(key, session_id, ttl=max(ttl, store.ttl(key) or 0))


def get(store, session_id: str | None) -> dict | None:
    """The live record, or None when it ended (logout, back-channel logout, expiry)."""
    if not session_id:
        return None
    raw = store.get(_SESS + session_id)
    return json.loads(raw) if raw else None


def end(store, session_id: str | None) -> dict | None:
    """End one session; returns its record when it was live."""
    if not session_id:
        return None
    raw = store.pop(_SESS + session_id)
    if not raw:
        return None
    record = json.loads(raw)
    for sid in {c.get("sid") for c in record.get("components", {}).values()} - {None}:
        store.srem(_BY_SID + sid, session_id)
    if record.get("sub"):
        store.srem(_BY_SUB + record["sub"], session_id)
    return record


def end_by(store, *, sid: str | None = None, sub: str | None = None) -> int:
    """End every session of an IdP session id and of a subject; returns how many ended.

    A logout token names the account (``sub``) whenever the IdP ends its sessions (SOL logout,
    suspension, deletion): every VUCE session of that account ends with it, contingency
    sessions included (they have no ``sid``), not only those opened from that SOL session.
    """
    ids: set[str] = set()
    if sid:
        ids |= store.smembers(_BY_SID + sid)
    if sub:
        ids |= store.smembers(_BY_SUB + sub)
    ended = 0
    for session_id in ids:
        if end(store, session_id) is not None:
            ended += 1
    if sid:
        store.delete(_BY_SID + sid)
    return ended
