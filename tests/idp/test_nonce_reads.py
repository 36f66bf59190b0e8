"""The nonce check of an authorization request (issue #11, eighth session): its replay mark is
read in the same round trip as the SSO session, or as the lockout counters of a login, and a
nonce that already came back in a code is still refused on every path."""

import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.idp.conftest import PASSWORD, RUC
from tests.support.oidc import Flow

READS = ("get", "mget", "pop", "pop_with")


@pytest.fixture
def reads(sol):
    """The store's read calls (one round trip each) made while the test runs, by method."""
    store = sol.store
    seen, lock = [], threading.Lock()
    originals = {name: getattr(store, name) for name in READS}

    def counting(name):
        def read(*args):
            with lock:
                seen.append(name)
            return originals[name](*args)

        return read

    for name in READS:
        setattr(store, name, counting(name))
    yield seen
    for name in READS:
        delattr(store, name)


def _flow(sol, nonce=None):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    if nonce:
        flow.nonce = nonce
    return flow


def _error(result) -> str | None:
    return parse_qs(urlsplit(result.location).query).get("error", [None])[0]


def test_sso_authorize_reads_the_store_once(sol, reads):
    first = _flow(sol)
    first.full_login(RUC, "OPERADO1", PASSWORD)
    second = _flow(sol)
    second.agent = first.agent  # the same browser: its SSO session is open
    reads.clear()
    result = second.start()
    assert _error(result) is None and "code=" in result.location
    assert reads == ["mget"]  # the session, the directory version and the nonce mark


def test_a_login_reads_the_store_twice(sol, reads):
    flow = _flow(sol)
    page = flow.start()
    reads.clear()
    result = flow.login(page, RUC, "OPERADO1", PASSWORD)
    assert "code=" in result.location
    # the pending request, then the lockout counters with the version and the nonce mark
    assert reads == ["get", "mget"]


def test_a_used_nonce_is_refused_with_an_sso_session(sol):
    first = _flow(sol, nonce="same-nonce")
    first.full_login(RUC, "OPERADO1", PASSWORD)
    replay = _flow(sol, nonce="same-nonce")
    replay.agent = first.agent
    assert _error(replay.start()) == "invalid_request"


def test_a_used_nonce_is_refused_at_the_login_form(sol):
    first = _flow(sol, nonce="same-nonce")
    first.full_login(RUC, "OPERADO1", PASSWORD)
    assert _error(_flow(sol, nonce="same-nonce").start()) == "invalid_request"


def test_a_nonce_used_while_the_form_was_open_is_refused_at_its_post(sol):
    waiting = _flow(sol, nonce="same-nonce")
    page = waiting.start()  # the form is shown: the nonce was not used yet
    _flow(sol, nonce="same-nonce").full_login(RUC, "OPERADO1", PASSWORD)
    assert _error(waiting.login(page, RUC, "OPERADO1", PASSWORD)) == "invalid_request"


def test_a_fresh_nonce_after_a_login_still_gets_a_code(sol):
    first = _flow(sol)
    first.full_login(RUC, "OPERADO1", PASSWORD)
    for _ in range(2):  # each new nonce, on the same session, is unused
        again = _flow(sol)
        again.agent = first.agent
        result = again.start()
        assert _error(result) is None
        assert again.token(result.location)["id_token"]
