"""RP test bench: faults armed per client in the shared store, consumed by that client's next
flows (the catalogue and what each fault does: ``idp.oidc.faults``).

Like the outage simulation, the state lives in the store so every worker and instance applies
it, and its effect is bounded: a fault works ``times`` times (at most ``MAX_TIMES``), every key
expires after ``ARM_TTL`` seconds, and ``GET /api/v1/sim/rp-faults`` shows what is armed.

Keys: ``sim:rp-faults`` (ids armed), ``sim:rp-fault:ID`` (JSON), ``sim:rp-fault:ID:used``
(uses, one atomic INCR each: concurrent flows never apply one use twice),
``sim:rp-faults:CLIENT`` (ids armed for a client: the one lookup a flow makes) and
``sim:rp-jwks`` (public keys published by ``key_rotation``, until its tokens have expired; each
process keeps a copy for at most ``KEYS_CACHE_SECONDS``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from flask import g, has_app_context
from joserfc.jwk import KeySet

from ..oidc import faults
from ..oidc.keys import generate_key
from . import audit

INDEX = "sim:rp-faults"
JWKS_KEY = "sim:rp-jwks"
ARM_TTL = 3600
KEYS_CACHE_SECONDS = 1.0
GATE_SECONDS = 0.5  # another process sees a newly armed fault within this time
MAX_TIMES = 100


class RpFaultError(ValueError):
    """The request to arm a fault is malformed (the API answers 422)."""

    def __init__(self, code: str, message: str, names: tuple[str, ...] = ()):
        self.code = code
        self.names = names
        super().__init__(message)


@dataclass(frozen=True)
class ArmedFault:
    id: str
    client_id: str
    fault: str
    times: int
    created_at: str
    remaining: int

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["times"]
        return data


def enabled(config) -> bool:
    """The simulators (outage and rp-faults) run everywhere except production, where only
    IDP_ALLOW_SIMULATION=true turns them on."""
    return config.get("ENV") != "production" or bool(config.get("ALLOW_SIMULATION"))


def _record_key(fault_id: str) -> str:
    return f"sim:rp-fault:{fault_id}"


def _used_key(fault_id: str) -> str:
    return f"sim:rp-fault:{fault_id}:used"


def _client_key(client_id: str) -> str:
    return f"sim:rp-faults:{client_id}"


def parse(client_id, fault, times=1) -> tuple[str, str, int]:
    """Validate an arming request; an unknown fault names the catalogue."""
    if not isinstance(fault, str) or fault not in faults.CATALOGUE:
        raise RpFaultError(
            "unknown_fault",
            "fault debe ser uno de: " + ", ".join(faults.NAMES),
            faults.NAMES,
        )
    if not isinstance(client_id, str) or not client_id.strip():
        raise RpFaultError("invalid_rp_fault", "client_id es obligatorio")
    if times is None:
        times = 1
    if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_TIMES:
        raise RpFaultError("invalid_rp_fault", f"times debe ser un entero entre 1 y {MAX_TIMES}")
    return client_id.strip(), fault, times


def _load(store, fault_id: str) -> ArmedFault | None:
    raw = store.get(_record_key(fault_id))
    if not raw:
        return None
    data = json.loads(raw)
    used = int(store.get(_used_key(fault_id)) or 0)
    return ArmedFault(
        id=data["id"],
        client_id=data["client_id"],
        fault=data["fault"],
        times=data["times"],
        created_at=data["created_at"],
        remaining=max(data["times"] - used, 0),
    )


def _forget(store, armed: ArmedFault) -> None:
    # The use counter is left to expire: a flow that loaded the record just before this
    # still finds every use taken.
    store.delete(_record_key(armed.id))
    store.srem(INDEX, armed.id)
    store.srem(_client_key(armed.client_id), armed.id)


def arm(store, client_id: str, fault: str, times: int, *, actor: str) -> ArmedFault:
    """Arm ``fault`` for the next ``times`` flows of ``client_id`` (the caller commits)."""
    armed = ArmedFault(
        id=secrets.token_urlsafe(9),
        client_id=client_id,
        fault=fault,
        times=times,
        created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        remaining=times,
    )
    record = {k: v for k, v in asdict(armed).items() if k != "remaining"}
    store.set(_record_key(armed.id), json.dumps(record), ttl=ARM_TTL)
    store.sadd(INDEX, armed.id, ttl=ARM_TTL)
    store.sadd(_client_key(client_id), armed.id, ttl=ARM_TTL)
    audit.record("RP_FAULT_ARMED", actor=actor, target=client_id, after=armed.to_dict())
    _gate.armed_now(store)
    return armed


def armed(store, client_id: str | None = None) -> list[ArmedFault]:
    """Faults still armed (all, or one client's), oldest first."""
    ids = store.smembers(_client_key(client_id) if client_id else INDEX)
    found = []
    for fault_id in ids:
        item = _load(store, fault_id)
        if item is None:  # expired or used up meanwhile
            store.srem(INDEX, fault_id)
            if client_id:
                store.srem(_client_key(client_id), fault_id)
            continue
        if item.remaining > 0:
            found.append(item)
    return sorted(found, key=lambda a: (a.created_at, a.id))


def clear(store, fault_id: str, *, actor: str) -> ArmedFault | None:
    """Disarm one fault; None when it is not armed (the caller commits)."""
    item = _load(store, fault_id)
    if item is None:
        return None
    _forget(store, item)
    audit.record("RP_FAULT_CLEARED", actor=actor, target=item.client_id, before=item.to_dict())
    return item


def clear_all(store, *, actor: str) -> int:
    """Disarm every fault; returns how many were armed (the caller commits)."""
    items = armed(store)
    for item in items:
        _forget(store, item)
    store.delete(INDEX)
    audit.record(
        "RP_FAULT_CLEARED",
        actor=actor,
        target="sim:rp-faults",
        before={"faults": [i.to_dict() for i in items]},
    )
    return len(items)


def take(store, config, client_id: str | None, stage: str) -> ArmedFault | None:
    """Use once the oldest fault armed for ``client_id`` that acts at ``stage`` and audit it
    (the caller commits); None when there is none or simulation is off."""
    if not client_id or not enabled(config) or not _gate.any_armed(store):
        return None
    for item in armed(store, client_id):
        if faults.CATALOGUE[item.fault].stage != stage:
            continue
        used = store.incr(_used_key(item.id), ttl=ARM_TTL)
        if used > item.times:  # taken meanwhile by a concurrent flow
            continue
        if used == item.times:
            _forget(store, item)
        applied = ArmedFault(**{**asdict(item), "remaining": item.times - used})
        if has_app_context():  # the RP console names the fault on the token event
            g.sol_applied_fault = (client_id, item.fault)
        audit.record(
            "RP_FAULT_APPLIED",
            actor="sim",
            target=client_id,
            after={"fault": item.fault, "id": item.id, "remaining": applied.remaining},
        )
        return applied
    return None


class _ArmedGate:
    """Per process: whether any fault is armed at all, read from the store at most every
    ``GATE_SECONDS``. Token, userinfo and code-exchange requests then make no store round trip
    for the simulator while nothing is armed (always, in production): one SMEMBERS per flow
    step was ~9 % of an SSO login's CPU and a second round trip on every userinfo."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_store: dict[int, tuple[float, bool]] = {}

    def any_armed(self, store) -> bool:
        now = time.monotonic()
        with self._lock:
            hit = self._by_store.get(id(store))
        if hit and hit[0] > now:
            return hit[1]
        found = bool(store.smembers(INDEX))
        with self._lock:
            self._by_store[id(store)] = (now + GATE_SECONDS, found)
        return found

    def armed_now(self, store) -> None:
        """This process knows at once; with a shared store, wait until every other process's
        answer has expired too, so the caller's next flow meets the fault wherever it lands."""
        with self._lock:
            self._by_store[id(store)] = (time.monotonic() + GATE_SECONDS, True)
        if not store.url.startswith("memory://"):
            time.sleep(GATE_SECONDS)


_gate = _ArmedGate()


def any_armed(store) -> bool:
    """Whether any fault may be armed (a per-process answer at most GATE_SECONDS old)."""
    return _gate.any_armed(store)


class _KeysCache:
    """Per-process copy of the published keys, read from the store at most every
    ``KEYS_CACHE_SECONDS``: JWKS is answered without a store round trip per request (the bench
    path of ``public_docs``), like the outage simulation's flag."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_store: dict[int, tuple[float, list[dict]]] = {}

    def get(self, store) -> list[dict]:
        now = time.monotonic()
        with self._lock:
            hit = self._by_store.get(id(store))
        if hit and hit[0] > now:
            return hit[1]
        return self.refresh(store)

    def refresh(self, store) -> list[dict]:
        keys = _read_published(store)
        with self._lock:
            self._by_store[id(store)] = (time.monotonic() + KEYS_CACHE_SECONDS, keys)
        return keys


_keys_cache = _KeysCache()


def publish_key(store, jwk: dict, ttl: int) -> None:
    """Publish a ``key_rotation`` key in JWKS for ``ttl`` seconds. This process publishes it at
    once; with a shared store, wait until every other process's copy has expired too, so that
    the token signed by it reaches the relying party only when every instance publishes it."""
    until = datetime.now(UTC).timestamp() + ttl
    store.sadd(JWKS_KEY, json.dumps({"until": until, "jwk": jwk}), ttl=ttl)
    _keys_cache.refresh(store)
    if not store.url.startswith("memory://"):
        time.sleep(KEYS_CACHE_SECONDS)


def _read_published(store) -> list[dict]:
    members = store.smembers(JWKS_KEY)
    if not members:
        return []
    now = datetime.now(UTC).timestamp()
    entries = sorted((json.loads(m) for m in members), key=lambda e: e["until"])
    return [e["jwk"] for e in entries if e["until"] > now]


def published_keys(store) -> list[dict]:
    """Public keys of ``key_rotation`` tokens still valid (empty when none)."""
    return _keys_cache.get(store)


# -- the hooks of the flows (each a line or two where good answers are made) -----------------


def id_token(server, client_id: str, header: dict, claims: dict, key, token: dict):
    """The faulty ID token when a fault is armed for this client, else None (``token``: the
    token response being made, whose access token ``at_hash`` binds)."""
    item = take(server.store, server.config, client_id, faults.ID_TOKEN)
    if item is None:
        return None
    made = faults.id_token(item.fault, header, claims, key, token["access_token"], generate_key)
    if made.published_jwk is not None:
        publish_key(server.store, made.published_jwk, server.config["ID_TOKEN_TTL"] + 300)
    return made.token


def userinfo(server, client_id: str | None, claims: dict) -> dict:
    """The userinfo claims, changed when a userinfo fault is armed for this client."""
    item = take(server.store, server.config, client_id, faults.USERINFO)
    return claims if item is None else faults.userinfo(item.fault, claims)


def verification_keys(keyring, store, config):
    """The key ring's KeySet, plus the keys ``key_rotation`` published (id_token_hint)."""
    keys = keyring.key_set()
    extra = published_keys(store) if enabled(config) else []
    if not extra:
        return keys
    return KeySet([*keys.keys, *(KeySet.import_key_set({"keys": extra}).keys)])
