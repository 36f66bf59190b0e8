"""Login lockout policy, store-agnostic (the counter lives in a TTL store owned by services).

Usage with a TTL store (``incr`` sets the TTL when it creates the counter):

- before checking a clave: ``if policy.is_locked(store.get(key)): refuse``;
- on a failure: ``count = store.incr(key, ttl=policy.window_seconds)``; if
  ``policy.locks_now(count)``, reset the key's TTL to ``policy.lock_seconds`` so the lock lasts
  that long from the locking failure;
- on success: delete the key.

Counting by the typed login id (not by a found account) keeps an unknown user
indistinguishable from a known one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` within ``window_seconds`` lock the login id for ``lock_seconds``."""

    max_failures: int = 5
    window_seconds: int = 900
    lock_seconds: int = 900

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.window_seconds < 1 or self.lock_seconds < 1:
            raise ValueError("lockout settings must be positive")

    def is_locked(self, failures_in_window: int | None) -> bool:
        """True once the failures counted in the current window reach ``max_failures``."""
        return int(failures_in_window or 0) >= self.max_failures

    def remaining_attempts(self, failures_in_window: int | None) -> int:
        """How many more failures are allowed before the lock."""
        return max(0, self.max_failures - int(failures_in_window or 0))

    def locks_now(self, failures_in_window: int) -> bool:
        """True for the failure that reaches the threshold: the moment to start the lock."""
        # Exactly equal: later failures (if a caller still counts them) must not extend it.
        return int(failures_in_window) == self.max_failures

    @property
    def lock_minutes(self) -> int:
        """The lock duration in whole minutes, rounded up, for ``messages.LOGIN_LOCKED``."""
        return math.ceil(self.lock_seconds / 60)
