"""Security headers, cookie flags and bad input on the OIDC endpoints."""

import requests

from tests.support.oidc import Flow


def test_pages_carry_security_headers_and_safe_cookies(sol):
    resp = Flow(sol.url, "rp1", "s3cret-rp1").start()  # the login page
    headers = resp.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    raw = requests.get(
        f"{sol.url}/authorize?response_type=code&client_id=rp1"
        "&redirect_uri=http://127.0.0.1:9/cb&scope=openid&state=x&code_challenge_method=S256"
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        allow_redirects=False,
        timeout=30,
    ).headers["Set-Cookie"]
    assert "HttpOnly" in raw and "SameSite=Lax" in raw


def test_token_responses_are_not_cached(sol):
    resp = requests.post(
        f"{sol.url}/token",
        auth=("rp1", "s3cret-rp1"),
        data={"grant_type": "client_credentials"},
        timeout=30,
    )
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"


def test_malformed_and_oversized_requests_get_oauth_errors(sol):
    bad_utf8 = requests.post(
        f"{sol.url}/token",
        data=b"grant_type=%ff%fe&code=\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert bad_utf8.status_code == 400 and "error" in bad_utf8.json()
    huge = requests.post(
        f"{sol.url}/token",
        data=b"a" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert huge.status_code == 413
    odd = requests.get(
        f"{sol.url}/authorize?client_id=%ff%fe&response_type=code",
        allow_redirects=False,
        timeout=30,
    )
    assert odd.status_code == 400 and "Location" not in odd.headers
    markup = requests.get(
        f"{sol.url}/authorize?client_id=<script>alert(1)</script>&response_type=code",
        allow_redirects=False,
        timeout=30,
    )
    assert "<script>alert(1)</script>" not in markup.text


def test_nul_bytes_are_a_400_on_every_backend(sol):
    for url in (
        f"{sol.url}/logout?client_id=%00",
        f"{sol.url}/authorize?client_id=a%00b",
        f"{sol.url}/login?challenge=%00",
    ):
        assert requests.get(url, allow_redirects=False, timeout=30).status_code == 400
    resp = requests.post(
        f"{sol.url}/token",
        data={"grant_type": "client_credentials", "client_id": "rp1\x00"},
        timeout=30,
    )
    assert resp.status_code == 400
