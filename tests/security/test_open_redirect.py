"""No open redirect through ``redirect_uri``, ``post_logout_redirect_uri`` or a ``next`` path:
a table of hostile values, each checked on every Location the IdP answers with."""

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest
import requests

from idp.web.login import safe_next, start_portal_login
from tests.support.agent import Agent, forms
from tests.support.oidc import Flow

from .conftest import LOGOUT_URI, PASSWORD, RUC

EVIL = "evil.example"
LINK_TO_SCRIPT = re.compile(
    r"""(href|action|src|formaction|content)\s*=\s*["']?[^"'>]*"""
    r"(javascript|data):",
    re.I,
)
HOSTILE = [
    "//evil.example",
    "//evil.example/cb",
    "///evil.example",
    "http://evil.example",
    "https://evil.example/",
    "HTTP://EVIL.EXAMPLE",
    "http:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%5Cevil.example",
    "%68ttp://evil.example",
    "http://127.0.0.1:9@evil.example/cb",
    "http://127.0.0.1:9/cb@evil.example",
    "http://127.0.0.1:9.evil.example/cb",
    "http://evil.example#@127.0.0.1:9/cb",
    "http://evil.example?http://127.0.0.1:9/cb",
    "http://127.0.0.1:9/cb/../../evil.example",
    "http://127.0.0.1:9/cb/",
    "http://127.0.0.1:9/cb?x=//evil.example",
    "http://127.0.0.1:9/CB",
    "http://127.0.0.1:9/cb%2F..%2F..%2Fevil.example",
    "http://[::1]@evil.example/",
    "https://127.0.0.1:9/cb",
    "http://127.0.0.1:9/cb\r\nLocation: http://evil.example",
    quote("//evil.example", safe=""),
    "http://ｅvil.example",
    "/" + "\u3002evil.example",
]


def _assert_no_escape(base: str, resp, allowed_prefix: str | None = None) -> None:
    """No Location (or form action) leaving the IdP, except the exact registered URI."""
    idp_host = urlsplit(base).netloc
    location = resp.headers.get("Location")
    targets = [location] if location else []
    targets += [f["action"] for f in forms(resp.text or "") if f["action"]]
    for target in targets:
        absolute = urljoin(resp.url or base, target)
        parts = urlsplit(absolute)
        if allowed_prefix and absolute.split("?")[0] == allowed_prefix:
            continue
        assert parts.scheme in ("http", "https") and parts.netloc == idp_host, (
            f"escapes to {target!r} (status {resp.status_code})"
        )
        # A same-host path such as /%2F%2Fevil.example is harmless (a 404 here).
    assert not LINK_TO_SCRIPT.search(resp.text or ""), "a javascript:/data: link in the page"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_authorize_never_redirects_to_an_unregistered_uri(sol, hostile):
    params = {
        "response_type": "code",
        "client_id": "rp1",
        "redirect_uri": hostile,
        "scope": "openid",
        "state": "s",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }
    for resp in (
        requests.get(f"{sol.url}/authorize", params=params, allow_redirects=False, timeout=10),
        requests.post(f"{sol.url}/authorize", data=params, allow_redirects=False, timeout=10),
    ):
        assert resp.status_code < 500
        _assert_no_escape(sol.url, resp)


def test_authorize_with_a_session_still_refuses_hostile_uris(sol):
    browser = Agent()
    Flow(sol.url, "rp1", "s3cret-rp1", agent=browser).full_login(RUC, "OPERADO1", PASSWORD)
    for hostile in HOSTILE:
        resp = browser.http.get(
            f"{sol.url}/authorize",
            allow_redirects=False,
            timeout=10,
            params={
                "response_type": "code",
                "client_id": "rp1",
                "redirect_uri": hostile,
                "scope": "openid",
            },
        )
        _assert_no_escape(sol.url, resp)


@pytest.mark.parametrize("with_hint", [False, True])
def test_logout_never_redirects_to_an_unregistered_uri(sol, with_hint):
    for hostile in HOSTILE:
        browser = Agent()
        token = Flow(sol.url, "rp1", "s3cret-rp1", agent=browser).full_login(
            RUC, "OPERADO1", PASSWORD
        )
        params = {"client_id": "rp1", "post_logout_redirect_uri": hostile, "state": "s"}
        if with_hint:
            params["id_token_hint"] = token["id_token"]
        resp = browser.http.get(
            f"{sol.url}/logout", params=params, allow_redirects=False, timeout=10
        )
        assert resp.status_code < 500, resp.text[:200]
        _assert_no_escape(sol.url, resp)
        if resp.status_code == 200 and forms(resp.text):  # the confirmation page: say yes
            confirmed = browser.submit(resp)
            _assert_no_escape(sol.url, browser.last or confirmed)


def test_logout_to_the_registered_uri_still_works(sol):
    """The table above is meaningful: the registered URI with a matching hint redirects."""
    browser = Agent()
    token = Flow(sol.url, "rp1", "s3cret-rp1", agent=browser).full_login(RUC, "OPERADO1", PASSWORD)
    resp = browser.http.get(
        f"{sol.url}/logout",
        allow_redirects=False,
        timeout=10,
        params={
            "client_id": "rp1",
            "post_logout_redirect_uri": LOGOUT_URI,
            "id_token_hint": token["id_token"],
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].startswith(LOGOUT_URI)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_safe_next_keeps_people_on_this_host(hostile):
    assert safe_next(hostile) == "/sol" or (
        safe_next(hostile).startswith("/")
        and not safe_next(hostile).startswith("//")
        and "\\" not in safe_next(hostile)
        and EVIL not in urlsplit(safe_next(hostile)).netloc
    )


def test_portal_login_with_hostile_next_lands_on_this_host(sol):
    for hostile in HOSTILE:
        with sol.app.test_request_context():
            challenge = start_portal_login(hostile)
        browser = Agent()
        page = browser.get(f"{sol.url}/login?challenge={challenge}&next={quote(hostile)}")
        assert page.status_code == 200, page.text[:200]
        resp = browser.http.post(
            f"{sol.url}/login",
            allow_redirects=False,
            timeout=10,
            data=dict(forms(page.text)[0]["fields"], ruc=RUC, usuario="PRINCIPA", clave=PASSWORD),
        )
        assert resp.status_code == 302, resp.text[:200]
        _assert_no_escape(sol.url, resp)


@pytest.mark.parametrize("path", ["/sol", "/login", "/login/extranet", "/logout"])
def test_next_parameters_are_ignored(sol, path):
    for hostile in HOSTILE[:12]:
        resp = requests.get(
            f"{sol.url}{path}",
            params={"next": hostile, "redirect": hostile, "return_to": hostile},
            allow_redirects=False,
            timeout=10,
        )
        assert resp.status_code < 500
        _assert_no_escape(sol.url, resp)
