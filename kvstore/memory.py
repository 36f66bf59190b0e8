"""In-process backend: a dict behind a lock. Correct only inside one process."""

import threading
import time
from contextlib import nullcontext


def _b(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


class MemoryStore:
    """Dict-backed store with lazy expiry; the clock is injectable for tests."""

    url = "memory://"

    def __init__(self, clock=None):
        self._clock = clock or time.monotonic
        self._data: dict[str, tuple[object, float | None]] = {}
        self._lock = threading.Lock()

    def _expiry(self, ttl):
        return None if ttl is None else self._clock() + ttl

    def _live(self, key):
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self._clock():
            del self._data[key]
            return None
        return item

    def get(self, key):
        with self._lock:
            item = self._live(key)
            return None if item is None or isinstance(item[0], set | list) else item[0]

    def set(self, key, value, ttl=None):
        with self._lock:
            self._data[key] = (_b(value), self._expiry(ttl))

    def add(self, key, value, ttl=None):
        with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (_b(value), self._expiry(ttl))
            return True

    def pop(self, key):
        with self._lock:
            item = self._live(key)
            if item is None:
                return None
            del self._data[key]
            return item[0]

    def pop_with(self, key, *others):
        return [self.pop(key), *self.mget(*others)]

    def delete(self, *keys):
        with self._lock:
            return sum(1 for k in keys if self._live(k) is not None and self._data.pop(k))

    def incr(self, key, ttl=None):
        with self._lock:
            item = self._live(key)
            if item is None:
                self._data[key] = (b"1", self._expiry(ttl))
                return 1
            value = int(item[0]) + 1
            self._data[key] = (str(value).encode(), item[1])
            return value

    def ttl(self, key):
        with self._lock:
            item = self._live(key)
            if item is None or item[1] is None:
                return None
            return item[1] - self._clock()

    def sadd(self, key, member, ttl=None):
        with self._lock:
            item = self._live(key)
            members = set(item[0]) if item is not None and isinstance(item[0], set) else set()
            members.add(member)
            self._data[key] = (members, self._expiry(ttl))

    def smembers(self, key):
        with self._lock:
            item = self._live(key)
            return set(item[0]) if item is not None and isinstance(item[0], set) else set()

    def srem(self, key, member):
        with self._lock:
            item = self._live(key)
            if item is not None and isinstance(item[0], set):
                item[0].discard(member)

    def mget(self, *keys):
        with self._lock:
            items = [self._live(k) for k in keys]
        return [None if i is None or isinstance(i[0], set) else i[0] for i in items]

    def set_indexed(self, key, value, ttl, indexes=()):
        with self._lock:
            expires = self._expiry(ttl)
            self._data[key] = (_b(value), expires)
            for index in indexes:
                item = self._live(index)
                members = item[0] if item is not None and isinstance(item[0], set) else set()
                members.add(key)
                keep = item[1] if item is not None and isinstance(item[0], set) else None
                self._data[index] = (members, max(keep or expires, expires))

    def batch(self):
        return nullcontext()  # in process: no round trip to save

    def delete_indexed(self, index):
        with self._lock:
            item = self._live(index)
            self._data.pop(index, None)
            members = item[0] if item is not None and isinstance(item[0], set) else set()
            return sum(1 for k in members if self._live(k) is not None and self._data.pop(k))

    def push_capped(self, key, value, maxlen, ttl=None):
        with self._lock:
            item = self._live(key)
            items = item[0] if item is not None and isinstance(item[0], list) else []
            self._data[key] = ([_b(value), *items][:maxlen], self._expiry(ttl))

    def list_head(self, key, count):
        with self._lock:
            item = self._live(key)
        return list(item[0][:count]) if item is not None and isinstance(item[0], list) else []

    def ping(self):
        return True
