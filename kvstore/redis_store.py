"""Redis backend: shared by every worker and instance, behind a circuit breaker."""

import os
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

import redis

from .base import StoreUnavailable
from .breaker import OPEN, Breaker

# A command waits at most this long for a live-but-silent server; after ``threshold`` such
# failures in a row the breaker fails every call at once (kvstore/breaker.py).
SOCKET_TIMEOUT = 2.0
PROBE_TIMEOUT = 0.25


def _one(conn, args) -> object:
    conn.send_command(*args)
    return conn.read_response()


def _many(conn, commands) -> list:
    """Send the commands at once, read every reply (an error reply kept as its exception)."""
    conn.send_packed_command(conn.pack_commands(commands))
    replies = []
    for _ in commands:
        try:
            replies.append(conn.read_response())
        except redis.ResponseError as exc:
            replies.append(exc)
    return replies


def _safe_name(url: str) -> str:
    """``redis host:port/db`` without credentials, for logs."""
    parts = urlsplit(url)
    if not parts.hostname:  # unix:///path/to/socket
        return f"redis {parts.path}"
    return f"redis {parts.hostname}:{parts.port or 6379}{parts.path}"


class RedisStore:
    """Thin mapping of the store protocol onto Redis commands (GETDEL, SET NX PX…).

    Every command goes through ``_exchange`` (``ping`` through ``_call``): a refused, broken or
    timed-out connection raises ``StoreUnavailable`` and counts towards the breaker, which then
    answers for Redis without touching the network until its background probe hears Redis
    again.
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
        """One command on this thread's connection; its reply."""
        return self._exchange(_one, args)

    def _commands(self, *commands):
        """Commands in one round trip on this thread's connection; their replies in order.
        An error reply is raised only once every reply is read, so the connection stays in
        step."""
        replies = self._exchange(_many, commands)
        for reply in replies:
            if isinstance(reply, redis.ResponseError):
                raise reply
        return replies

    def _exchange(self, exchange, payload):
        """``exchange(connection, payload)`` on this thread's own connection.

        redis-py's client and pipeline paths (pool lock, a readiness poll of the socket, the
        retry wrapper, response callbacks) cost about three times the I/O itself: 80 vs 24 µs
        of CPU per command, measured here, and every request makes a few. The semantics stay:
        one retry on a fresh connection when the server dropped ours (a restart, an idle
        timeout), and a refused, broken or timed-out connection counts towards the breaker."""
        self.breaker.check()
        conn = self._connection()
        try:
            try:
                out = exchange(conn, payload)
            except redis.ConnectionError:
                conn.disconnect()
                out = exchange(conn, payload)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            conn.disconnect()
            self.breaker.failure()
            raise StoreUnavailable(str(exc)) from exc
        self.breaker.success()
        return out

    def _transaction(self, *commands):
        """Commands applied atomically (MULTI … EXEC); the replies of the commands."""
        return self._commands(("MULTI",), *commands, ("EXEC",))[-1]

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

    def _write(self, *commands) -> None:
        """Send now, or queue in the open ``batch`` of this thread."""
        queued = getattr(self._local, "batch", None)
        if queued is not None:
            queued.extend(commands)
        elif len(commands) == 1:
            self._command(*commands[0])
        else:
            self._commands(*commands)

    @contextmanager
    def batch(self):
        if getattr(self._local, "batch", None) is not None:
            yield  # nested: the outer block sends
            return
        self._local.batch = queued = []
        try:
            yield
        finally:
            self._local.batch = None
        if queued:
            self._commands(*queued)

    def set(self, key, value, ttl=None):
        if ttl is None:
            self._write(("SET", key, value))
        else:
            self._write(("SET", key, value, "PX", self._px(ttl)))

    def add(self, key, value, ttl=None):
        px = () if ttl is None else ("PX", self._px(ttl))
        return self._command("SET", key, value, "NX", *px) is not None

    def pop(self, key):
        return self._command("GETDEL", key)

    def pop_with(self, key, *others):
        if not others:
            return [self.pop(key)]
        popped, values = self._commands(("GETDEL", key), ("MGET", *others))
        return [popped, *values]

    def delete(self, *keys):
        return self._command("DEL", *keys) if keys else 0

    def incr(self, key, ttl=None):
        if ttl is None:
            return int(self._command("INCR", key))
        return int(self._transaction(("INCR", key), ("PEXPIRE", key, self._px(ttl), "NX"))[0])

    def ttl(self, key):
        ms = self._command("PTTL", key)
        return None if ms is None or ms < 0 else ms / 1000

    def sadd(self, key, member, ttl=None):
        if ttl is None:
            self._write(("SADD", key, member))
        else:  # as set_indexed: both in one round trip, and in the open batch if any
            self._write(("SADD", key, member), ("PEXPIRE", key, self._px(ttl)))

    def smembers(self, key):
        return {m.decode() for m in self._command("SMEMBERS", key)}

    def srem(self, key, member):
        self._command("SREM", key, member)

    def mget(self, *keys):
        return self._command("MGET", *keys) if keys else []

    def set_indexed(self, key, value, ttl, indexes=()):
        if not indexes:
            return self.set(key, value, ttl)
        px = self._px(ttl)
        commands = [("SET", key, value, "PX", px)]
        for index in indexes:
            commands += [
                ("SADD", index, key),
                ("PEXPIRE", index, px, "GT"),  # never shorten: older keys may outlive this one
                ("PEXPIRE", index, px, "NX"),
            ]
        self._write(*commands)

    def delete_indexed(self, index):
        keys = list(self.smembers(index))
        if not keys:
            self.delete(index)
            return 0
        return int(self._commands(("DEL", *keys), ("DEL", index))[0])

    def push_capped(self, key, value, maxlen, ttl=None):
        commands = [("LPUSH", key, value), ("LTRIM", key, 0, maxlen - 1)]
        if ttl is not None:
            commands.append(("PEXPIRE", key, self._px(ttl)))
        self._commands(*commands)

    def list_head(self, key, count):
        return self._command("LRANGE", key, 0, count - 1) if count > 0 else []

    def ping(self):
        """False at once while the breaker is open (readiness), else a real PING."""
        if self.breaker.state == OPEN:
            return False
        try:
            return bool(self._call(self._r.ping))
        except StoreUnavailable:
            return False
