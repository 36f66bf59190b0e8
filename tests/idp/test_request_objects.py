"""OIDC Core §6: request objects are not supported, and a request carrying one says so."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.idp.conftest import PASSWORD, RUC
from tests.support.agent import Agent
from tests.support.oidc import Flow


def query(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


OBJECT = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9."  # any JWT: never read


@pytest.mark.parametrize(
    ("param", "value", "error"),
    [
        ("request", OBJECT, "request_not_supported"),
        ("request_uri", "https://rp.example/request.jwt", "request_uri_not_supported"),
    ],
)
def test_request_object_is_refused_at_the_redirect_uri(sol, param, value, error):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    result = flow.start(**{param: value})
    params = query(result.location)
    assert params["error"] == error and params["state"] == flow.state
    assert "code" not in params


def test_request_object_is_refused_even_with_a_session(sol):
    agent = Agent()
    Flow(sol.url, "rp1", "s3cret-rp1", agent=agent).full_login(RUC, "OPERADO1", PASSWORD)
    flow = Flow(sol.url, "rp1", "s3cret-rp1", agent=agent)
    params = query(flow.start(request=OBJECT).location)
    assert params["error"] == "request_not_supported" and "code" not in params
    # the same session still gets a code without the parameter
    assert "code" in query(Flow(sol.url, "rp1", "s3cret-rp1", agent=agent).start().location)


def test_request_object_with_an_unregistered_redirect_uri_is_never_followed(sol):
    resp = requests.get(
        f"{sol.url}/authorize",
        params={
            "response_type": "code",
            "client_id": "rp1",
            "scope": "openid",
            "redirect_uri": "http://evil.example/cb",
            "request": OBJECT,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code == 400 and "Location" not in resp.headers
