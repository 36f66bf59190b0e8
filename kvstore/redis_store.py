"""Redis backend: shared by every worker and instance."""

import redis

from .base import StoreUnavailable


class RedisStore:
    """Thin mapping of the store protocol onto Redis commands (GETDEL, SET NX PX…)."""

    def __init__(self, client: "redis.Redis", url: str = "redis://"):
        self._r = client
        self.url = url

    @classmethod
    def from_url(cls, url: str) -> "RedisStore":
        """Connect lazily with short timeouts so an outage fails fast, not hangs."""
        client = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=10
        )
        return cls(client, url)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    @staticmethod
    def _px(ttl):
        return None if ttl is None else max(1, int(ttl * 1000))

    def get(self, key):
        return self._call(self._r.get, key)

    def set(self, key, value, ttl=None):
        self._call(self._r.set, key, value, px=self._px(ttl))

    def add(self, key, value, ttl=None):
        return bool(self._call(self._r.set, key, value, px=self._px(ttl), nx=True))

    def pop(self, key):
        return self._call(self._r.getdel, key)

    def delete(self, *keys):
        return self._call(self._r.delete, *keys) if keys else 0

    def incr(self, key, ttl=None):
        pipe = self._r.pipeline()
        pipe.incr(key)
        if ttl is not None:
            pipe.pexpire(key, self._px(ttl), nx=True)
        return int(self._call(pipe.execute)[0])

    def ttl(self, key):
        ms = self._call(self._r.pttl, key)
        return None if ms is None or ms < 0 else ms / 1000

    def sadd(self, key, member, ttl=None):
        pipe = self._r.pipeline()
        pipe.sadd(key, member)
        if ttl is not None:
            pipe.pexpire(key, self._px(ttl))
        self._call(pipe.execute)

    def smembers(self, key):
        return {m.decode() for m in self._call(self._r.smembers, key)}

    def srem(self, key, member):
        self._call(self._r.srem, key, member)

    def ping(self):
        try:
            return bool(self._r.ping())
        except (redis.ConnectionError, redis.TimeoutError):
            return False
