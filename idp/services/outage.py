"""Outage simulation: SOL "goes down" on demand so relying parties can rehearse contingency.

The mode lives in the shared store (key ``sim:outage``) so every worker and instance agrees;
each process caches it for at most ``CACHE_SECONDS`` to keep the request hot path cheap.
The API (``PUT /api/v1/sim/outage``) and the CLI (``flask --app idp sim outage MODE``) both
call :func:`set_outage`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from .. import metrics
from . import audit

KEY = "sim:outage"
MODES = ("none", "down", "slow", "flaky", "timeout")
CACHE_SECONDS = 1.0
MAX_LATENCY_MS = 120_000  # a simulated hang never holds a worker longer than two minutes
DEFAULT_SLOW_MS = 2000
DEFAULT_ERROR_RATE = 0.5


class OutageError(ValueError):
    """The requested simulation is malformed (the API answers 422)."""


@dataclass(frozen=True)
class Outage:
    """The current simulation; ``mode == "none"`` means SOL behaves normally."""

    mode: str = "none"
    latency_ms: int = 0
    error_rate: float = 0.0
    set_at: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


NORMAL = Outage()


def parse(mode, latency_ms=None, error_rate=None) -> Outage:
    """Validate a request and fill the per-mode defaults."""
    if not isinstance(mode, str) or mode.strip().lower() not in MODES:
        raise OutageError(f"mode debe ser uno de: {', '.join(MODES)}")
    mode = mode.strip().lower()
    if latency_ms is None:
        latency_ms = DEFAULT_SLOW_MS if mode == "slow" else 0
    if isinstance(latency_ms, bool) or not isinstance(latency_ms, int | float):
        raise OutageError("latency_ms debe ser un número entero de milisegundos")
    if not 0 <= latency_ms <= MAX_LATENCY_MS:
        raise OutageError(f"latency_ms debe estar entre 0 y {MAX_LATENCY_MS}")
    if error_rate is None:
        error_rate = DEFAULT_ERROR_RATE if mode == "flaky" else 0.0
    if isinstance(error_rate, bool) or not isinstance(error_rate, int | float):
        raise OutageError("error_rate debe ser un número entre 0 y 1")
    if not 0.0 <= float(error_rate) <= 1.0:
        raise OutageError("error_rate debe estar entre 0 y 1")
    return Outage(mode=mode, latency_ms=int(latency_ms), error_rate=float(error_rate))


class _Cache:
    """Per-process copy of the store's value, refreshed at most every ``CACHE_SECONDS``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_store: dict[int, tuple[float, Outage]] = {}

    def get(self, store, monotonic=time.monotonic) -> Outage:
        now = monotonic()
        with self._lock:
            hit = self._by_store.get(id(store))
        if hit and hit[0] > now:
            return hit[1]
        value = read(store)
        with self._lock:
            self._by_store[id(store)] = (now + CACHE_SECONDS, value)
        return value

    def put(self, store, value: Outage) -> None:
        with self._lock:
            self._by_store[id(store)] = (time.monotonic() + CACHE_SECONDS, value)


cache = _Cache()


def read(store) -> Outage:
    """The simulation as stored (no cache); NORMAL when unset or unreadable."""
    raw = store.get(KEY)
    if not raw:
        return NORMAL
    try:
        data = json.loads(raw)
        return Outage(
            mode=data["mode"],
            latency_ms=int(data.get("latency_ms", 0)),
            error_rate=float(data.get("error_rate", 0.0)),
            set_at=data.get("set_at"),
        )
    except (ValueError, KeyError, TypeError):
        return NORMAL


def current(store) -> Outage:
    """The simulation in effect for this process (cached ≤ 1 s)."""
    return cache.get(store)


def set_outage(store, outage: Outage, *, actor: str) -> tuple[Outage, Outage]:
    """Store a new simulation, audit it (the caller commits) and return (before, after)."""
    before = read(store)
    after = Outage(
        mode=outage.mode,
        latency_ms=outage.latency_ms,
        error_rate=outage.error_rate,
        set_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if after.mode == "none":
        store.delete(KEY)
    else:
        store.set(KEY, json.dumps(after.to_dict()))
    cache.put(store, after if after.mode != "none" else NORMAL)
    if after.mode != before.mode:
        metrics.count_outage_switch(after.mode)
    audit.record(
        "OUTAGE_MODE_SET",
        actor=actor,
        target="sim:outage",
        before=before.to_dict(),
        after=after.to_dict(),
    )
    return before, after
