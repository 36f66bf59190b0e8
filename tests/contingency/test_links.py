"""One-time contingency links (domain.md §7) with an injected clock."""

import pytest

from kvstore import MemoryStore
from tests.support.databases import redis_url
from vuce_client.domain.contingency import LinkStatus
from vuce_client.links import LinkService


@pytest.fixture(params=["memory"] + (["redis"] if redis_url(2) else []))
def store(request):
    if request.param == "memory":
        return MemoryStore()
    from kvstore import store_from_url

    s = store_from_url(redis_url(2))
    s._r.flushdb()
    return s


@pytest.fixture
def clock():
    return [1_700_000_000.0]


@pytest.fixture
def links(store, clock):
    return LinkService("secret-" * 5, store, ttl_seconds=600, clock=lambda: clock[0])


def test_a_link_works_once(links):
    token, link_id = links.issue(42)
    assert len(link_id) >= 22  # 16 random bytes, url-safe
    opened = links.consume(token)
    assert opened.status is LinkStatus.VALID and opened.account_id == 42
    assert links.consume(token).status is LinkStatus.USED


def test_a_link_expires_after_its_ttl(links, clock):
    token, _ = links.issue(7)
    clock[0] += 599
    assert links.inspect(token).status is LinkStatus.VALID
    clock[0] += 1  # the boundary itself is expired
    assert links.consume(token).status is LinkStatus.EXPIRED


def test_a_newer_link_supersedes_the_older(links):
    old, _ = links.issue(7)
    new, _ = links.issue(7)
    assert links.consume(old).status is LinkStatus.SUPERSEDED
    assert links.consume(new).status is LinkStatus.VALID
    assert links.consume(old).status is LinkStatus.SUPERSEDED
    # Other accounts are independent.
    other, _ = links.issue(8)
    assert links.consume(other).ok


@pytest.mark.parametrize("token", ["", None, "garbage", "x" * 2000])
def test_garbage_is_invalid(links, token):
    assert links.consume(token).status is LinkStatus.INVALID


def test_tampered_or_foreign_links_are_invalid(links, store, clock):
    token, _ = links.issue(7)
    assert (
        links.consume(token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]).status
        is LinkStatus.INVALID
    )
    # Signed with another purpose (salt) or key: invalid.
    other_purpose = LinkService("secret-" * 5, store, clock=lambda: clock[0], purpose="other")
    assert links.consume(other_purpose.issue(7)[0]).status is LinkStatus.INVALID
    other_key = LinkService("another-" * 5, store, clock=lambda: clock[0])
    assert links.consume(other_key.issue(7)[0]).status is LinkStatus.INVALID


def test_a_signed_link_unknown_to_the_store_is_invalid(links):
    assert links.consume(links.sign_only(7)).status is LinkStatus.INVALID


def test_used_wins_over_expired(links, clock):
    token, _ = links.issue(7)
    assert links.consume(token).ok
    clock[0] += 3600
    assert links.consume(token).status is LinkStatus.USED


def test_concurrent_clicks_open_one_session(links):
    from concurrent.futures import ThreadPoolExecutor

    token, _ = links.issue(9)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: links.consume(token).status, range(32)))
    assert results.count(LinkStatus.VALID) == 1
    assert set(results) == {LinkStatus.VALID, LinkStatus.USED}


def test_revoke_supersedes(links):
    token, _ = links.issue(5)
    links.revoke(5)
    assert links.consume(token).status is LinkStatus.SUPERSEDED


def test_revoke_all_voids_every_earlier_link_for_good(links):
    old = [links.issue(n)[0] for n in (5, 6)]
    links.revoke_all()
    fresh, _ = links.issue(7)
    links.revoke_all()  # a second switch: the generation moves on, never back
    assert [links.inspect(t).status for t in old] == [LinkStatus.EXPIRED] * 2
    assert links.consume(fresh).status is LinkStatus.EXPIRED
    newest, _ = links.issue(5)
    assert links.consume(newest).ok
