"""The RP console's token events: the last ``MAX_EVENTS`` tokens issued to a client, with
their decoded claims and the signing key's id — never the token values.

Recording costs one store call per issued token, so it happens only where someone looks:
simulation allowed (development, or IDP_ALLOW_SIMULATION=true) and the console opened for
that client within ``WATCH_SECONDS``. Whether a client is watched is read from the store at
most every ``WATCH_CACHE_SECONDS`` per process, so the token endpoint of an unwatched client
pays a dict lookup (and a store read every few seconds), nothing per request.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import UTC, datetime

from . import rp_faults

MAX_EVENTS = 50
WATCH_SECONDS = 3600
WATCH_CACHE_SECONDS = 5.0
EVENTS_TTL = 7 * 86400
# what an access token's "claims" are: this IdP's access tokens are opaque; these are the
# fields the store keeps for it (what introspection answers)
ACCESS_FIELDS = ("client_id", "scope", "sub", "iat", "exp", "token_type")


def _events_key(client_id: str) -> str:
    return f"console:events:{client_id}"


def _watch_key(client_id: str) -> str:
    return f"console:watch:{client_id}"


class _WatchCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._until: dict[tuple[int, str], tuple[float, bool]] = {}

    def get(self, store, client_id: str) -> bool:
        now = time.monotonic()
        hit = self._until.get((id(store), client_id))
        if hit and hit[0] > now:
            return hit[1]
        watched = store.get(_watch_key(client_id)) is not None
        self.put(store, client_id, watched)
        return watched

    def put(self, store, client_id: str, watched: bool) -> None:
        with self._lock:
            self._until[(id(store), client_id)] = (
                time.monotonic() + WATCH_CACHE_SECONDS,
                watched,
            )


_watch = _WatchCache()


def watch(store, client_id: str) -> None:
    """Start (or extend) recording the client's token events: the console is open."""
    store.set(_watch_key(client_id), "1", ttl=WATCH_SECONDS)
    _watch.put(store, client_id, True)


def watched(store, config, client_id: str | None) -> bool:
    return bool(client_id) and rp_faults.enabled(config) and _watch.get(store, client_id)


def _segment(part: str) -> dict:
    try:
        data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def decode_jwt(token: str | None) -> dict | None:
    """Header and claims of a JWS, not verified (the IdP just made it; a fault may have
    broken it on purpose): ``{"kid", "alg", "claims"}``; never the token itself."""
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    head, body, _sig = token.split(".")
    header = _segment(head)
    return {"kid": header.get("kid"), "alg": header.get("alg"), "claims": _segment(body)}


def event(
    *,
    grant: str,
    client_id: str,
    account: str | None,
    scope: str | None,
    fault: str | None,
    answer: dict | None,
    access: dict | None,
) -> dict:
    """One token event from the token endpoint's JSON answer (token values left out)."""
    answer = answer or {}
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "grant": grant,
        "client_id": client_id,
        "account": account,
        "scope": scope,
        "fault": fault,
        "status": "issued" if answer.get("access_token") else "refused",
        "error": answer.get("error"),
        "id_token": decode_jwt(answer.get("id_token")),
        "access_token": access,
        "refresh_token": bool(answer.get("refresh_token")),
    }


def record(store, client_id: str, item: dict) -> None:
    store.push_capped(_events_key(client_id), json.dumps(item), MAX_EVENTS, ttl=EVENTS_TTL)


def events(store, client_id: str) -> list[dict]:
    """The client's token events, newest first."""
    return [json.loads(raw) for raw in store.list_head(_events_key(client_id), MAX_EVENTS)]
