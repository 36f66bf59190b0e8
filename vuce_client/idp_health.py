"""Is SOL answering? A circuit breaker shared by every worker, fed by probes and real calls.

- ``IdpHealth.record(ok)`` folds one observation into the breaker (``domain.contingency.
  breaker_step``) stored in the VUCE store, so every worker and instance agrees. N failures in a
  row switch contingency on (auto mode), M successes switch it off; each flip is logged and
  reported to ``on_switch`` (the contingency service audits it).
- ``probe()`` GETs the IdP's discovery document and JWKS through the back-channel URL with a
  short timeout; ``ProbeThread`` runs it every few seconds, one worker per interval (a store
  slot), so the thresholds mean the same thing whatever the number of workers.
- ``ReportingAdapter`` is mounted on the relying party's HTTP session: every real call to the
  IdP (discovery, JWKS, padrón …) is an observation too.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from webcommon import request_id

from .domain.contingency import BreakerState, breaker_step
from .metrics import count_probe

log = logging.getLogger("vuce_client.idp_health")

KEY = "vuce:contingency:breaker"
LOCK_KEY = "vuce:contingency:breaker:lock"
SLOT_KEY = "vuce:contingency:probe-slot"


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _dump(state: BreakerState) -> str:
    data = asdict(state)
    for key in ("changed_at", "last_probe_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return json.dumps(data)


def _load(raw: bytes | None) -> BreakerState:
    if not raw:
        return BreakerState()
    try:
        data = json.loads(raw)
        for key in ("changed_at", "last_probe_at"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        return BreakerState(**data)
    except (ValueError, TypeError):
        return BreakerState()


class IdpHealth:
    """The breaker over the store; ``on_switch(before, after, source)`` hears every flip."""

    def __init__(
        self,
        store,
        *,
        failure_threshold: int = 3,
        recovery_threshold: int = 2,
        clock=_utcnow,
        on_switch=None,
    ) -> None:
        if failure_threshold < 1 or recovery_threshold < 1:
            raise ValueError("thresholds must be at least 1")
        self.store = store
        self.failure_threshold = failure_threshold
        self.recovery_threshold = recovery_threshold
        self.clock = clock
        self.on_switch = on_switch

    def state(self) -> BreakerState:
        """The shared breaker state."""
        return _load(self.store.get(KEY))

    def _locked(self, fn):
        # A short store lock keeps read-modify-write atomic across workers; a sample that
        # cannot get it within ~0.5 s is dropped (another worker is recording the same news).
        for _ in range(50):
            if self.store.add(LOCK_KEY, "1", ttl=2):
                try:
                    return fn()
                finally:
                    self.store.delete(LOCK_KEY)
            time.sleep(0.01)
        log.debug("breaker busy: sample dropped")
        return None

    def record(self, ok: bool, source: str = "probe") -> BreakerState:
        """Fold one observation in; returns the new state."""
        flipped: list[tuple[BreakerState, BreakerState]] = []

        def step():
            before = self.state()
            after = breaker_step(
                before, ok, self.clock(), self.failure_threshold, self.recovery_threshold
            )
            self.store.set(KEY, _dump(after))
            if after.active != before.active:
                flipped.append((before, after))
            return after

        after = self._locked(step) or self.state()
        for before, new in flipped:
            log.warning(
                "IdP breaker %s after %s (%s)",
                "OPEN: SOL considered down" if new.active else "CLOSED: SOL is back",
                f"{new.consecutive_failures} failures"
                if new.active
                else f"{new.consecutive_successes} successes",
                source,
            )
            if self.on_switch is not None:
                try:
                    self.on_switch(before, new, source)
                except Exception:  # an audit failure must not break the request that noticed
                    log.exception("on_switch failed")
        return after

    def reset(self) -> BreakerState:
        """Forget every observation (closed breaker); used by an operator's explicit 'off'."""
        state = BreakerState(changed_at=self.clock())
        self.store.set(KEY, _dump(state))
        return state


def probe(base_url: str, *, timeout: float = 2.0, http=None) -> bool:
    """True when the IdP serves its discovery document and its JWKS within ``timeout``."""
    http = http or requests
    headers = request_id.outgoing_headers()  # none from the probe thread; one in a request
    base = base_url.rstrip("/")
    try:
        resp = http.get(
            f"{base}/.well-known/openid-configuration",
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
        if resp.status_code != 200:
            return False
        jwks_uri = resp.json().get("jwks_uri") or f"{base}/jwks"
        # The browser-facing jwks_uri may not be reachable from here: ask the back-channel.
        resp = http.get(
            base + urlsplit(jwks_uri).path, headers=headers, timeout=timeout, allow_redirects=False
        )
        return resp.status_code == 200 and bool(resp.json().get("keys"))
    except (requests.RequestException, ValueError, AttributeError):
        return False


class ProbeThread(threading.Thread):
    """Probe the IdP every ``interval`` seconds (one worker per interval slot)."""

    def __init__(
        self,
        health: IdpHealth,
        base_url: str,
        *,
        interval: float = 5.0,
        timeout: float = 2.0,
        app=None,
        clock=time.time,
    ) -> None:
        super().__init__(name="vuce-idp-probe", daemon=True)
        self.clock = clock  # wall clock: the slot must agree across workers and hosts
        self.health = health
        self.base_url = base_url
        self.interval = interval
        self.timeout = timeout
        self.app = app
        self._stop_event = threading.Event()

    def run_once(self) -> bool | None:
        """One probe if this worker owns the current slot; returns the result (or None)."""
        slot = int(self.clock() / self.interval)
        if not self.health.store.add(f"{SLOT_KEY}:{slot}", "1", ttl=self.interval * 2 + 1):
            return None
        ok = probe(self.base_url, timeout=self.timeout)
        count_probe(ok)
        if self.app is not None:
            with self.app.app_context():
                self.health.record(ok, "probe")
        else:
            self.health.record(ok, "probe")
        return ok

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.run_once()
            except Exception:  # the store may be down for a moment: keep probing
                log.exception("IdP probe failed")
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()


class ReportingAdapter(HTTPAdapter):
    """Feeds every real call to the IdP into the breaker (5xx and network errors = failure)."""

    def __init__(self, health: IdpHealth, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.health = health

    def send(self, request, *args, **kwargs):
        try:
            response = super().send(request, *args, **kwargs)
        except requests.RequestException:
            self._report(False)
            raise
        self._report(response.status_code < 500)
        return response

    def _report(self, ok: bool) -> None:
        try:
            self.health.record(ok, "call")
        except Exception:  # never let health bookkeeping break the call itself
            log.debug("could not record IdP call", exc_info=True)
