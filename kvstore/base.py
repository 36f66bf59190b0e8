"""The store protocol every backend implements."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class StoreUnavailable(RuntimeError):
    """The backing store cannot be reached; callers answer 503, never a stack trace."""


class Store(Protocol):
    """Byte values under string keys, each with an optional TTL in seconds."""

    url: str

    def get(self, key: str) -> bytes | None:
        """Return the value or None."""

    def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        """Store a value, replacing any previous one."""

    def add(self, key: str, value: bytes | str, ttl: float | None = None) -> bool:
        """Store only if absent; True when stored (atomic)."""

    def pop(self, key: str) -> bytes | None:
        """Atomically read and delete: the basis of every single-use value."""

    def pop_with(self, key: str, *others: str) -> list[bytes | None]:
        """``pop(key)`` and the values of other keys, in one round trip: [popped, *values]."""

    def delete(self, *keys: str) -> int:
        """Delete keys; return how many existed."""

    def incr(self, key: str, ttl: float | None = None) -> int:
        """Increment a counter; the TTL is set when the counter is created."""

    def ttl(self, key: str) -> float | None:
        """Seconds left, or None when the key is absent or has no TTL."""

    def sadd(self, key: str, member: str, ttl: float | None = None) -> None:
        """Add to a set (the TTL is refreshed)."""

    def smembers(self, key: str) -> set[str]:
        """Members of a set."""

    def srem(self, key: str, member: str) -> None:
        """Remove from a set."""

    def mget(self, *keys: str) -> list[bytes | None]:
        """Values of several keys in one round trip (None where absent)."""

    def set_indexed(
        self, key: str, value: bytes | str, ttl: float, indexes: tuple[str, ...] = ()
    ) -> None:
        """Store a value and add its key to each index set, in one round trip; every index
        lives at least as long as the value, so revoking through it reaches every key."""

    def delete_indexed(self, index: str) -> int:
        """Delete every key named in an index set, then the set; return how many existed."""

    def push_capped(
        self, key: str, value: bytes | str, maxlen: int, ttl: float | None = None
    ) -> None:
        """Put a value at the head of a list and keep only the newest ``maxlen``, in one round
        trip (the TTL is refreshed)."""

    def list_head(self, key: str, count: int) -> list[bytes]:
        """Up to ``count`` values of a list, newest first."""

    def batch(self) -> AbstractContextManager:
        """A block whose ``set`` and ``set_indexed`` calls are sent together, in one round
        trip, when it ends normally (dropped if it raises). Reads inside the block do not see
        them: use it around writes that nothing in the block reads back."""

    def ping(self) -> bool:
        """True when the store answers."""
