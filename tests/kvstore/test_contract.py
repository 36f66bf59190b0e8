"""The store protocol (kvstore.base.Store), checked alike on the in-process store and on a real
``redis-server``: what one backend does, the other does too."""

from __future__ import annotations

import time

import pytest
import redis

from kvstore import MemoryStore, RedisStore
from tests.faults.services import PrivateRedis, redis_binary


@pytest.fixture(scope="module")
def redis_url():
    server = PrivateRedis(redis_binary()).start()
    yield server.url
    server.stop()


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    url = request.getfixturevalue("redis_url")
    redis.Redis.from_url(url).flushdb()
    return RedisStore.from_url(url)


def test_values_with_and_without_ttl(store):
    assert store.get("a") is None
    store.set("a", "1")
    store.set("b", b"2", ttl=60)
    assert (store.get("a"), store.get("b")) == (b"1", b"2")
    assert store.ttl("a") is None and 0 < store.ttl("b") <= 60
    assert store.ttl("missing") is None
    assert store.mget("a", "missing", "b") == [b"1", None, b"2"]
    assert store.mget() == []


def test_short_ttls_expire(store):
    store.set("soon", "x", ttl=0.05)
    assert store.add("soon-nx", "x", ttl=0.05)
    time.sleep(0.15)
    assert store.get("soon") is None and store.get("soon-nx") is None


def test_add_stores_only_when_absent(store):
    assert store.add("k", "first", ttl=60) is True
    assert store.add("k", "second", ttl=60) is False
    assert store.add("no-ttl", "v") is True
    assert store.get("k") == b"first" and store.ttl("no-ttl") is None


def test_pop_and_delete(store):
    store.set("k", "v")
    assert store.pop("k") == b"v" and store.pop("k") is None
    store.set("x", "1")
    store.set("y", "2")
    assert store.delete("x", "y", "z") == 2
    assert store.delete() == 0


def test_pop_with_reads_other_keys_in_the_same_call(store):
    store.set("code", "c")
    store.set("stamp", "v1")
    assert store.pop_with("code", "stamp", "absent") == [b"c", b"v1", None]
    assert store.pop_with("code", "stamp") == [None, b"v1"]  # popped once only
    store.set("alone", "a")
    assert store.pop_with("alone") == [b"a"] and store.get("alone") is None


def test_counters_keep_the_ttl_they_were_created_with(store):
    assert store.incr("c", ttl=60) == 1
    first = store.ttl("c")
    assert store.incr("c", ttl=600) == 2
    assert store.ttl("c") <= first
    assert store.incr("plain") == 1 and store.ttl("plain") is None


def test_sets(store):
    store.sadd("s", "a", ttl=60)
    store.sadd("s", "b", ttl=60)
    store.sadd("plain", "x")
    assert store.smembers("s") == {"a", "b"} and 0 < store.ttl("s") <= 60
    store.srem("s", "a")
    assert store.smembers("s") == {"b"} and store.smembers("missing") == set()
    assert store.ttl("plain") is None


def test_indexed_values_and_their_revocation(store):
    store.set_indexed("t1", "v1", 60, ("idx-a", "idx-b"))
    store.set_indexed("t2", "v2", 600, ("idx-a",))
    store.set_indexed("t3", "v3", 60)
    assert 60 < store.ttl("idx-a") <= 600  # an index outlives every key it names
    assert store.delete_indexed("idx-a") == 2
    assert store.mget("t1", "t2", "t3") == [None, None, b"v3"]
    assert store.smembers("idx-a") == set()
    assert store.delete_indexed("idx-b") == 0  # t1 is already gone
    assert store.delete_indexed("never") == 0


def test_capped_lists(store):
    for i in range(5):
        store.push_capped("log", f"e{i}", maxlen=3, ttl=60)
    assert store.list_head("log", 10) == [b"e4", b"e3", b"e2"]
    assert store.list_head("log", 1) == [b"e4"] and store.list_head("log", 0) == []
    assert 0 < store.ttl("log") <= 60


def test_ping(store):
    assert store.ping() is True


def test_an_error_reply_is_raised_after_every_reply_is_read(redis_url):
    store = RedisStore.from_url(redis_url)
    with pytest.raises(redis.ResponseError):
        store._commands(("SET", "n", "not-a-number"), ("INCR", "n"), ("SET", "after", "1"))
    assert store.mget("n", "after") == [b"not-a-number", b"1"]  # the connection is in step


def test_a_batch_writes_everything_when_it_ends(store):
    with store.batch():
        store.set("b1", "1", ttl=60)
        store.set_indexed("b2", "2", 60, ("b-idx",))
        store.sadd("b-set", "m", ttl=60)
        with store.batch():  # nested: the outer block sends
            store.set("b3", "3")
    assert store.mget("b1", "b2", "b3") == [b"1", b"2", b"3"]
    assert store.smembers("b-idx") == {"b2"}
    assert store.smembers("b-set") == {"m"} and 0 < store.ttl("b-set") <= 60


def test_a_batch_that_raises_sends_nothing_on_redis(redis_url):
    store = RedisStore.from_url(redis_url)
    with pytest.raises(RuntimeError), store.batch():
        store.set("dropped", "x")
        raise RuntimeError("the block failed")
    assert store.get("dropped") is None
    store.set("after", "1")  # the thread's queue is closed: writes go out at once again
    assert store.get("after") == b"1"


def test_a_batch_costs_one_round_trip_on_redis(redis_url):
    store = RedisStore.from_url(redis_url)
    sent = []
    real = store._commands
    store._commands = lambda *commands: sent.append(len(commands)) or real(*commands)
    store._command = lambda *args: sent.append(1) or real(args)[0]
    with store.batch():
        store.set("c1", "1", ttl=60)
        store.set("c2", "2", ttl=60)
        store.set_indexed("c3", "3", 60, ("c-idx",))
        store.sadd("c-set", "m", ttl=60)
    assert sent == [8]  # 2 SETs + (SET, SADD, 2 PEXPIRE) + (SADD, PEXPIRE) in one exchange
