"""Login lockout policy, store-agnostic (the counters live in a TTL store owned by services).

Guessing is stopped without handing a stranger the power to lock the real user out (issue #16;
OWASP Authentication Cheat Sheet "Account Lockout", Keycloak "Brute force detection"):

- **per account and source** (``max_failures`` within ``lock_seconds``): after 5 wrong claves
  for one account from one source (client address), that source may not try that account
  again for ``lock_seconds``. The real user, elsewhere, is not affected;
- **a captcha per account** (``captcha_after`` failures from any source within
  ``account_window_seconds``): the SOL form then demands the captcha for that account, from
  every source, so guessing costs a solved captcha per try;
- **per account, slower, across sources** (``account_max_failures`` within
  ``account_window_seconds``): a distributed guesser (many sources) locks the account for
  ``lock_seconds``. One source alone cannot reach it: it is stopped at ``max_failures`` per
  ``lock_seconds``, fewer than ``account_max_failures`` per window.

Counting by the typed login id (not by a found account) keeps an unknown user
indistinguishable from a known one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Gate(StrEnum):
    """What a login attempt meets before its clave is checked."""

    OPEN = "open"
    CAPTCHA = "captcha"  # a solved captcha is needed first
    LOCKED = "locked"


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` within ``window_seconds`` lock the (login id, source) for
    ``lock_seconds``; see the module docstring for the per-account thresholds. A window opens
    with its first failure; a lock runs from the failure that reaches its threshold."""

    max_failures: int = 5
    window_seconds: int = 900
    lock_seconds: int = 900
    captcha_after: int = 3
    account_max_failures: int = 50
    account_window_seconds: int = 3600

    def __post_init__(self) -> None:
        if (
            min(
                self.max_failures,
                self.window_seconds,
                self.lock_seconds,
                self.captcha_after,
                self.account_max_failures,
                self.account_window_seconds,
            )
            < 1
        ):
            raise ValueError("lockout settings must be positive")

    def is_locked(self, failures_in_window: int | None) -> bool:
        """True once the failures counted in the current window reach ``max_failures``."""
        return int(failures_in_window or 0) >= self.max_failures

    def locks_now(self, failures_in_window: int) -> bool:
        """True for the failure that reaches the threshold: the moment to start the lock."""
        # Exactly equal: later failures (if a caller still counts them) must not extend it.
        return int(failures_in_window) == self.max_failures

    def account_locks_now(self, account_failures: int) -> bool:
        """True for the failure that reaches ``account_max_failures``: the account's lock
        starts, for ``lock_seconds``."""
        return int(account_failures) == self.account_max_failures

    def gate(self, source_failures: int | None, account_failures: int | None) -> Gate:
        """What the next attempt meets, from this source's failures on the account and the
        account's failures from every source."""
        account = int(account_failures or 0)
        if self.is_locked(source_failures) or account >= self.account_max_failures:
            return Gate.LOCKED
        if account >= self.captcha_after:
            return Gate.CAPTCHA
        return Gate.OPEN

    def single_source_can_lock_account(self) -> bool:
        """Whether one source, locked at ``max_failures`` per ``lock_seconds``, could still
        reach the account-wide threshold within its window (a misconfiguration)."""
        periods = math.ceil(self.account_window_seconds / self.lock_seconds)
        return periods * self.max_failures >= self.account_max_failures

    @property
    def lock_minutes(self) -> int:
        """The lock duration in whole minutes, rounded up, for ``messages.LOGIN_LOCKED``."""
        return math.ceil(self.lock_seconds / 60)
