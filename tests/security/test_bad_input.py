"""Property-based bad input against the live IdP: whatever reaches /authorize, /token, /login,
/userinfo, /introspect, /revoke or /logout, the answer is never a 5xx, always an OAuth error
(JSON) for programs or a Spanish page for people, and markup is echoed only escaped."""

import re
from urllib.parse import quote_from_bytes, urlsplit

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.oidc import REDIRECT, Flow

from .conftest import PASSWORD, RUC

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OIDC_PARAMS = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "login_hint",
    "id_token_hint",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "login_type",
    "_lc",
    "_deny",
    "request",
    "claims",
    "ui_locales",
    "acr_values",
    "display",
]
TOKEN_PARAMS = [
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "token",
    "token_type_hint",
]
NASTY = [
    "",
    " ",
    "\x00",
    "\t",
    "\r\n",
    "%",
    "%00",
    "%ff",
    "'",
    '"',
    "\\",
    "<",
    ">",
    "&",
    "<script>alert(1)</script>",
    '" onfocus="xss(1)',
    "javascript:alert(1)",
    "rp1",
    REDIRECT,
    "openid",
    "code",
    "none",
    "login",
    "-1",
    "9" * 30,
    "a" * 5000,
    "ñandú",
    "\u202e",
    "\ud7ff",
    "😀",
    "null",
    "[]",
    "{}",
    "openid openid",
]
text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=30),
)
OAUTH_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "access_denied",
    "unsupported_response_type",
    "server_error",
    "temporarily_unavailable",
    "invalid_token",
    "unsupported_token_type",
    "login_required",
    "consent_required",
    "missing_authorization",
    "insufficient_scope",
    "bad_request",
    "payload_too_large",
    "method_not_allowed",
    "rate_limited",
    "csrf_failed",
    "not_found",
}


def params(names):
    return st.dictionaries(st.one_of(st.sampled_from(names), text), text, max_size=8)


def _idp_or_client(base: str, resp) -> None:
    """A redirect goes to this IdP or to the exact registered redirect URI."""
    loc = resp.headers.get("Location")
    if loc is None:
        return
    parts = urlsplit(loc)
    if parts.netloc:
        assert (
            loc.split("?")[0].split("#")[0] == REDIRECT or parts.netloc == urlsplit(base).netloc
        ), loc


def _person_page(resp) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    if resp.status_code >= 400 and resp.headers.get("Content-Type", "").startswith("text/html"):
        assert '<html lang="es">' in resp.text
    assert "Traceback" not in resp.text


def _oauth_json(resp) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    if resp.status_code >= 400:
        assert resp.headers.get("Content-Type", "").startswith("application/json"), (
            resp.status_code,
            resp.headers.get("Content-Type"),
            resp.text[:200],
        )
        assert resp.json().get("error") in OAUTH_ERRORS, resp.text[:200]


def test_authorize_any_params(sol):
    @SETTINGS
    @given(query=params(OIDC_PARAMS), post=st.booleans())
    def check(query, post):
        if post:
            resp = requests.post(
                f"{sol.url}/authorize", data=query, allow_redirects=False, timeout=10
            )
        else:
            resp = requests.get(
                f"{sol.url}/authorize", params=query, allow_redirects=False, timeout=10
            )
        _person_page(resp)
        _idp_or_client(sol.url, resp)

    check()


def test_authorize_raw_query_bytes(sol):
    @SETTINGS
    @given(raw=st.binary(max_size=200))
    def check(raw):
        query = "client_id=rp1&response_type=code&redirect_uri=" + quote_from_bytes(raw)
        resp = requests.get(
            f"{sol.url}/authorize?{query}&state={quote_from_bytes(raw[::-1])}",
            allow_redirects=False,
            timeout=10,
        )
        _person_page(resp)
        _idp_or_client(sol.url, resp)

    check()


def test_token_any_params_and_credentials(sol):
    @SETTINGS
    @given(form=params(TOKEN_PARAMS), user=st.one_of(st.none(), text), pwd=text)
    def check(form, user, pwd):
        auth = (user, pwd) if user is not None else None
        try:
            resp = requests.post(f"{sol.url}/token", data=form, auth=auth, timeout=10)
        except UnicodeEncodeError:  # requests itself cannot send such a Basic header
            return
        _oauth_json(resp)

    check()


def test_machine_endpoints_any_body(sol):
    @SETTINGS
    @given(
        path=st.sampled_from(["/token", "/introspect", "/revoke", "/userinfo"]),
        body=st.binary(max_size=500),
        ctype=st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/json",
                "multipart/form-data; boundary=x",
                "text/plain",
                "application/x-www-form-urlencoded; charset=latin-1",
                "",
            ]
        ),
        auth=st.sampled_from([None, ("rp1", "s3cret-rp1"), ("rp1", "wrong")]),
    )
    def check(path, body, ctype, auth):
        resp = requests.post(
            f"{sol.url}{path}",
            data=body,
            auth=auth,
            timeout=10,
            headers={"Content-Type": ctype} if ctype else {},
        )
        _oauth_json(resp)

    check()


def test_userinfo_any_authorization_header(sol):
    @SETTINGS
    @given(
        scheme=st.sampled_from(["Bearer ", "bearer ", "Basic ", "", "Bearer  ", "DPoP "]),
        value=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300),
        post=st.booleans(),
    )
    def check(scheme, value, post):
        # A field value's leading whitespace is not part of it (RFC 9110 §5.5) and requests
        # refuses to send it, so send what the server would have parsed.
        headers = {"Authorization": (scheme + value).lstrip()}
        resp = (requests.post if post else requests.get)(
            f"{sol.url}/userinfo", headers=headers, timeout=10
        )
        assert resp.status_code in (200, 400, 401, 403), (resp.status_code, resp.text[:200])
        _oauth_json(resp)

    check()


def test_login_pages_any_fields(sol):
    page = Flow(sol.url, "rp1", "s3cret-rp1").start()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)

    @SETTINGS
    @given(
        path=st.sampled_from(["/login", "/login/extranet", "/consent"]),
        form=params(["challenge", "ruc", "usuario", "clave", "decision", "csrf_token"]),
        with_token=st.booleans(),
        post=st.booleans(),
    )
    def check(path, form, with_token, post):
        if with_token:
            form = dict(form, csrf_token=token)
        if post:
            resp = requests.post(
                f"{sol.url}{path}",
                data=form,
                allow_redirects=False,
                timeout=10,
                headers={"Accept": "text/html"},
            )
        else:
            resp = requests.get(
                f"{sol.url}{path}",
                params=form,
                allow_redirects=False,
                timeout=10,
                headers={"Accept": "text/html"},
            )
        _person_page(resp)
        _idp_or_client(sol.url, resp)

    check()


def test_logout_any_params(sol):
    @SETTINGS
    @given(
        query=params(
            [
                "id_token_hint",
                "client_id",
                "post_logout_redirect_uri",
                "state",
                "ui_locales",
                "logout_hint",
                "confirm",
            ]
        ),
        post=st.booleans(),
    )
    def check(query, post):
        if post:
            resp = requests.post(f"{sol.url}/logout", data=query, allow_redirects=False, timeout=10)
        else:
            resp = requests.get(
                f"{sol.url}/logout", params=query, allow_redirects=False, timeout=10
            )
        _person_page(resp)
        assert resp.status_code != 302 or resp.headers["Location"].startswith(
            "http://127.0.0.1:9/bye"
        )

    check()


# --- markup is echoed escaped -----------------------------------------------------------------

PROBES = [
    "<xss-probe>",
    '"><xss-probe x="',
    "' onfocus='xssprobe()",
    '" onfocus="xssprobe()',
    "</textarea><xss-probe>",
    "<img src=x onerror=xssprobe()>",
    "{{7*7}}xssprobe",
]
probe_text = st.builds(
    lambda a, p, b: a + p + b, st.text(max_size=8), st.sampled_from(PROBES), st.text(max_size=8)
)


def _unescaped(body: str) -> bool:
    low = body.lower()
    return (
        "<xss-probe" in low
        or "<img src=x" in low
        or "onfocus='xssprobe" in low
        or 'onfocus="xssprobe' in low
        or "49xssprobe" in low
    )


def test_login_hint_is_echoed_escaped(sol):
    @SETTINGS
    @given(hint=probe_text, login_type=st.sampled_from(["sol", "extranet"]))
    def check(hint, login_type):
        flow = Flow(sol.url, "rp1", "s3cret-rp1")
        page = flow.start(login_hint=hint, login_type=login_type)
        # NUL is refused up front (PostgreSQL cannot store it): a 400, never a 500.
        assert page.status_code == (400 if "\x00" in hint else 200)
        assert not _unescaped(page.text), hint

    check()


def test_submitted_fields_are_echoed_escaped(sol):
    flow = Flow(sol.url, "rp1", "s3cret-rp1")
    page = flow.start()

    @SETTINGS
    @given(ruc=probe_text, usuario=probe_text)
    def check(ruc, usuario):
        resp = flow.agent.submit(page, {"ruc": ruc[:11], "usuario": usuario[:8], "clave": "x"})
        assert resp.status_code in (400, 401), resp.status_code
        assert not _unescaped(resp.text)

    check()


def test_client_name_scopes_and_logout_params_are_escaped(sol):
    name = '<xss-probe>ACME" onfocus="xssprobe()'
    secret = sol.register_client(
        "rp3",
        secret="s3cret-rp3",
        redirect_uris=[REDIRECT],
        first_party=False,
        name=name,
        scope="openid profile email sol",
    )
    flow = Flow(sol.url, "rp3", secret, scope="openid profile")
    login_page = flow.start()
    assert "ACME" in login_page.text and not _unescaped(login_page.text)
    consent = flow.login(login_page, RUC, "OPERADO1", PASSWORD)
    assert "Autorizar acceso" in consent.text and not _unescaped(consent.text)
    # The logout confirmation page echoes every parameter into hidden inputs.
    confirm = flow.agent.get(
        f"{sol.url}/logout?state=%22%3E%3Cxss-probe%3E&ui_locales=%22%20onfocus%3D%22xssprobe()"
    )
    assert "¿Desea cerrar su sesión SOL?" in confirm.text and not _unescaped(confirm.text)
    # Error pages echo what Authlib says about the request.
    error = requests.get(
        f"{sol.url}/authorize",
        timeout=10,
        params={"client_id": "<xss-probe>", "response_type": "code"},
    )
    assert error.status_code == 400 and not _unescaped(error.text)
