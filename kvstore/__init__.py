"""A small key-value store protocol for short-lived, single-use state.

Codes, SSO sessions, one-time link ids, throttles and simulation flags live here with a
TTL; durable records live in SQL. Two backends: an in-process dict (embedded default,
single process only) and Redis (every worker and instance agrees).
"""

from .base import Store, StoreUnavailable
from .memory import MemoryStore
from .redis_store import RedisStore


def store_from_url(url: str | None, *, clock=None) -> Store:
    """Build the store named by a URL: ``redis://…`` or None/``memory://`` for in-process."""
    if not url or url.startswith("memory://"):
        return MemoryStore(clock=clock)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore.from_url(url)
    raise ValueError(f"unsupported store URL: {url!r}")


__all__ = ["MemoryStore", "RedisStore", "Store", "StoreUnavailable", "store_from_url"]
