"""A circuit breaker for the store: a hung Redis must not cost every request its socket timeout.

Closed: calls go through; ``threshold`` failures in a row (timeouts, refused or broken
connections) open it. Open: every call raises ``StoreUnavailable`` at once, with no socket I/O,
and one background thread probes the server (its own connection, a short timeout) every
``probe_interval`` seconds; the first answer closes the breaker. This is what keeps a frozen
Redis (accepting connections, answering nothing) from holding each request for the full client
timeout: only the first few pay it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .base import StoreUnavailable

log = logging.getLogger("kvstore")

CLOSED, OPEN = "closed", "open"


class Breaker:
    """Thread-safe closed/open state with a background prober (see the module docstring)."""

    def __init__(
        self,
        probe: Callable[[], bool],
        *,
        threshold: int = 3,
        probe_interval: float = 0.5,
        on_close: Callable[[], None] | None = None,
        name: str = "store",
    ):
        self._probe = probe
        self.threshold = threshold
        self.probe_interval = probe_interval
        self._on_close = on_close
        self.name = name
        self._lock = threading.Lock()
        self._failures = 0
        self._state = CLOSED
        self._opened_at: float | None = None
        self._prober: threading.Thread | None = None
        self.opened_count = 0  # how many times it opened (tests, logs)

    @property
    def state(self) -> str:
        return self._state

    def check(self) -> None:
        """Raise at once while open; the caller then skips the server entirely."""
        if self._state == OPEN:
            raise StoreUnavailable(f"{self.name}: circuit open (the server did not answer)")

    def success(self) -> None:
        if self._failures:
            with self._lock:
                self._failures = 0

    def failure(self) -> None:
        """One more failure in a row; the ``threshold``-th opens the breaker."""
        with self._lock:
            self._failures += 1
            if self._state == OPEN or self._failures < self.threshold:
                return
            self._state = OPEN
            self._opened_at = time.monotonic()
            self.opened_count += 1
            if self._prober is None or not self._prober.is_alive():
                self._prober = threading.Thread(
                    target=self._probe_until_closed, name=f"{self.name}-breaker", daemon=True
                )
                self._prober.start()
        log.warning(
            "%s: %d failures in a row, failing fast and probing every %.2f s",
            self.name,
            self.threshold,
            self.probe_interval,
        )

    def _probe_until_closed(self) -> None:
        while True:
            time.sleep(self.probe_interval)
            try:
                alive = self._probe()
            except Exception:  # noqa: BLE001 - any error means "not yet"
                alive = False
            if alive:
                break
        if self._on_close is not None:
            try:
                self._on_close()
            except Exception:  # noqa: BLE001 - closing must not depend on a cleanup
                log.exception("%s: cleanup on close failed", self.name)
        with self._lock:
            self._state, self._failures = CLOSED, 0
            down = time.monotonic() - (self._opened_at or time.monotonic())
        log.warning("%s: answering again after %.1f s; circuit closed", self.name, down)
