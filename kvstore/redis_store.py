"""Redis backend: shared by every worker and instance, behind a circuit breaker."""

import os
import threading
from urllib.parse import urlsplit

import redis

from .base import StoreUnavailable
from .breaker import OPEN, Breaker

# A command waits at most this long for a live-but-silent server; after ``threshold`` such
# failures in a row the breaker fails every call at once (kvstore/breaker.py).
SOCKET_TIMEOUT = 2.0
PROBE_TIMEOUT = 0.25


def _safe_name(url: str) -> str:
    """``redis host:port/db`` without credentials, for logs."""
    parts = urlsplit(url)
    if not parts.hostname:  # unix:///path/to/socket
        return f"redis {parts.path}"
    return f"redis {parts.hostname}:{parts.port or 6379}{parts.path}"


class RedisStore:
    """Thin mapping of the store protocol onto Redis commands (GETDEL, SET NX PX…).

    Every command goes through ``_call``: a refused, broken or timed-out connection raises
    ``StoreUnavailable`` and counts towards the breaker, which then answers for Redis without
    touching the network until its background probe hears Redis again.
    """

    def __init__(
        self,
        client: "redis.Redis",
        url: str = "redis://",
        *,
        threshold: int = 3,
        probe_interval: float = 0.5,
    ):
        self._r = client
        self.url = url
        self._local = threading.local()  # each thread's own connection (see _command)
        self._generation = 0  # bumped to make every thread reconnect
        self._probe_client: redis.Redis | None = None
        self.breaker = Breaker(
            self._probe,
            threshold=threshold,
            probe_interval=probe_interval,
            on_close=self._drop_idle_connections,
            name=_safe_name(url),
        )

    @classmethod
    def from_url(cls, url: str, **breaker) -> "RedisStore":
        """Connect lazily with short timeouts so an outage fails fast, not hangs."""
        client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=10,
        )
        return cls(client, url, **breaker)

    def _probe(self) -> bool:
        """PING on a connection of its own with a short timeout (never the request pool)."""
        if self._probe_client is None:
            pool = self._r.connection_pool
            kwargs = {
                **pool.connection_kwargs,
                "socket_timeout": PROBE_TIMEOUT,
                "socket_connect_timeout": PROBE_TIMEOUT,
            }
            self._probe_client = redis.Redis(
                connection_pool=type(pool)(
                    connection_class=pool.connection_class, max_connections=1, **kwargs
                )
            )
        try:
            return bool(self._probe_client.ping())
        except (redis.ConnectionError, redis.TimeoutError):
            self._probe_client.connection_pool.disconnect()
            return False

    def _drop_idle_connections(self) -> None:
        """Connections pooled before the outage may point at a dead server: reconnect."""
        self._generation += 1
        self._r.connection_pool.disconnect(inuse_connections=False)

    def _connection(self):
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.stamp != (os.getpid(), self._generation):
            if conn is not None and local.stamp[0] == os.getpid():
                conn.disconnect()  # (a parent's socket after a fork is left alone)
            pool = self._r.connection_pool
            conn = local.conn = pool.connection_class(**pool.connection_kwargs)
            local.stamp = (os.getpid(), self._generation)
        return conn

    def _command(self, *args):
        """One command of the hot path (GET, SET, GETDEL, MGET) on this thread's connection.

        redis-py's client path (pool lock, a readiness poll of the socket, the retry wrapper,
        response callbacks) costs about three times the I/O itself: 80 vs 24 µs of CPU per
        command, measured here, and a userinfo request makes one. The semantics stay: one
        retry on a fresh connection when the server dropped ours (a restart, an idle timeout),
        and a refused, broken or timed-out connection counts towards the breaker."""
        self.breaker.check()
        conn = self._connection()
        try:
            try:
                conn.send_command(*args)
                out = conn.read_response()
            except redis.ConnectionError:
                conn.disconnect()
                conn.send_command(*args)
                out = conn.read_response()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            conn.disconnect()
            self.breaker.failure()
            raise StoreUnavailable(str(exc)) from exc
        self.breaker.success()
        return out

    def _call(self, fn, *args, **kwargs):
        self.breaker.check()
        try:
            out = fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self.breaker.failure()
            raise StoreUnavailable(str(exc)) from exc
        self.breaker.success()
        return out

    @staticmethod
    def _px(ttl):
        return None if ttl is None else max(1, int(ttl * 1000))

    def get(self, key):
        return self._command("GET", key)

    def set(self, key, value, ttl=None):
        if ttl is None:
            self._command("SET", key, value)
        else:
            self._command("SET", key, value, "PX", self._px(ttl))

    def add(self, key, value, ttl=None):
        return bool(self._call(self._r.set, key, value, px=self._px(ttl), nx=True))

    def pop(self, key):
        return self._command("GETDEL", key)

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

    def mget(self, *keys):
        return self._command("MGET", *keys) if keys else []

    def set_indexed(self, key, value, ttl, indexes=()):
        if not indexes:
            return self.set(key, value, ttl)
        px = self._px(ttl)
        pipe = self._r.pipeline(transaction=False)
        pipe.set(key, value, px=px)
        for index in indexes:
            pipe.sadd(index, key)
            pipe.pexpire(index, px, gt=True)  # never shorten: older keys may outlive this one
            pipe.pexpire(index, px, nx=True)
        self._call(pipe.execute)

    def delete_indexed(self, index):
        keys = [m.decode() for m in self._call(self._r.smembers, index)]
        pipe = self._r.pipeline(transaction=False)
        if keys:
            pipe.delete(*keys)
        pipe.delete(index)
        return int(self._call(pipe.execute)[0]) if keys else 0

    def push_capped(self, key, value, maxlen, ttl=None):
        pipe = self._r.pipeline(transaction=False)
        pipe.lpush(key, value)
        pipe.ltrim(key, 0, maxlen - 1)
        if ttl is not None:
            pipe.pexpire(key, self._px(ttl))
        self._call(pipe.execute)

    def list_head(self, key, count):
        return self._call(self._r.lrange, key, 0, count - 1) if count > 0 else []

    def ping(self):
        """False at once while the breaker is open (readiness), else a real PING."""
        if self.breaker.state == OPEN:
            return False
        try:
            return bool(self._call(self._r.ping))
        except StoreUnavailable:
            return False
