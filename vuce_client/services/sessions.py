"""VUCE sessions: the registry in the store (server-side, revocable by sid or sub) and this
browser's handle on it.

The browser's cookie carries only a random session id (``vuce_sid``); the record lives in the
store under ``vuce:sess:<id>`` and is indexed by the IdP session id (``sid``) and subject
(``sub``) so that a back-channel logout ends every VUCE session of that user, in every process.
One record holds the logins of every component (single sign-on across them); a contingency
session (``auth_method=CONTINGENCIA``) lives at most ``CONTINGENCY_SESSION_TTL`` and only in the
contingency episode that opened it.
"""

from __future__ import annotations

import json
import secrets

from flask import current_app, g, session

from ..core import core
from ..domain.contingency import AUTH_METHOD as CONTINGENCY_METHOD
from ..storage import db, utcnow
from . import accounts, audit
from . import contingency as contingency_service

COOKIE_KEY = "vuce_sid"

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


# -- this browser's session --------------------------------------------------------------------


def open_session(
    account,
    component: str,
    *,
    sub: str | None,
    sid: str | None,
    id_token: str | None,
    auth_method: str = "SOL",
    episode: int | None = None,
) -> str:
    """Start (or extend, same account, method and episode) the browser's VUCE session with a
    login to ``component``; returns the session id."""
    store = core().store
    cfg = current_app.config
    ttl = cfg["SESSION_TTL"]
    if auth_method == CONTINGENCY_METHOD:
        ttl = min(ttl, cfg["CONTINGENCY_SESSION_TTL"])
    now = utcnow().isoformat()
    rec = get(store, session.get(COOKIE_KEY))
    if rec is not None and (
        rec.get("account_key") != account.account_key
        or rec.get("auth_method") != auth_method
        or rec.get("episode") != episode
    ):
        end(store, session.get(COOKIE_KEY))
        rec = None
    entry = {"sid": sid, "id_token": id_token, "login_at": now}
    if rec is None:
        rec = {
            "account_id": account.id,
            "account_key": account.account_key,
            "sub": sub,
            "user_type": account.user_type,
            "ruc": account.ruc,
            "roles": account.last_roles or [],
            "auth_method": auth_method,
            "episode": episode,
            "created_at": now,
            "components": {component: entry},
        }
        session.clear()  # a fresh cookie at login (no fixation)
        session[COOKIE_KEY] = create(store, rec, ttl)
    else:
        rec["components"][component] = entry
        rec["roles"] = account.last_roles or []
        save(store, session[COOKIE_KEY], rec, ttl)
    g.vuce = rec
    return session[COOKIE_KEY]


def load_current() -> None:
    """Before each request: the live session of this browser into ``g.vuce`` (or None)."""
    store = core().store
    g.vuce = get(store, session.get(COOKIE_KEY))
    if g.vuce is not None and g.vuce.get("auth_method") == CONTINGENCY_METHOD:
        state = contingency_service.installed()
        if state is None or not state.session_alive(g.vuce):
            # Contingency switched off (or on again since): the person logs in with Clave SOL.
            end(store, session.get(COOKIE_KEY))
            audit.record("LOGOUT", account_key=g.vuce.get("account_key"), reason="CONTINGENCY_OFF")
            db.session.commit()
            g.vuce = None
    if g.vuce is None and COOKIE_KEY in session:
        session.pop(COOKIE_KEY)  # ended elsewhere (logout, back-channel logout, expiry)


def forget_current() -> None:
    """This browser holds no VUCE session any more (a refused login)."""
    session.pop(COOKIE_KEY, None)


def end_current() -> dict | None:
    """Logout: end this browser's session and clear its cookie; returns the record if live."""
    rec = end(core().store, session.get(COOKIE_KEY))
    session.clear()
    return rec


def current_user() -> dict | None:
    """The live VUCE session record of this browser, or None."""
    return getattr(g, "vuce", None)


def current_account():
    """The ``VuceAccount`` of the current session, or None."""
    rec = current_user()
    if rec is None:
        return None
    if "vuce_account" not in g:
        g.vuce_account = accounts.get(rec["account_id"])
    return g.vuce_account
