"""Real OAuth flows against a live IdP for tests: authorization code + PKCE through the login
form, and client_credentials. Plain ``requests`` and ``html.parser``: no browser, no Flask.

``CodeFlow`` keeps the two halves apart (``authorize`` at one base URL, ``redeem`` at another),
so a test can prove that a code issued by one instance is redeemed at another.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

TIMEOUT = 10


class FlowError(AssertionError):
    """The flow did not end where it should (wrong clave, access_denied, no form…)."""


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action") or "", "method": a.get("method", "get"), "fields": {}}
            )
        elif tag == "input" and self.forms and a.get("name") and a.get("type") != "submit":
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def forms(html: str) -> list[dict]:
    """Every form of a page: action, method and current field values."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _rebase(base: str, url: str) -> str:
    """``url``'s path (and query) on ``base``: talk to one instance whatever the issuer says."""
    parts = urlsplit(url)
    return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) per RFC 7636 §4.1-4.2."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class CodeFlow:
    """One browser (cookie jar) and one client doing code + PKCE."""

    def __init__(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        client_secret: str | None = None,
        scope: str = "openid profile email sol",
        http: requests.Session | None = None,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.http = http or requests.Session()
        self.verifier, self.challenge = pkce_pair()
        self.state = secrets.token_urlsafe(12)
        self.nonce = secrets.token_urlsafe(12)

    def _follow(self, base: str, resp: requests.Response) -> requests.Response | str:
        """Follow redirects inside the IdP; return the redirect URI reached, or the page."""
        for _ in range(20):
            location = resp.headers.get("Location")
            if resp.status_code not in (301, 302, 303, 307) or not location:
                return resp
            target = urljoin(resp.url, location)
            if target.startswith(self.redirect_uri):
                return target
            resp = self.http.get(_rebase(base, target), allow_redirects=False, timeout=TIMEOUT)
        raise FlowError("too many redirects")

    def authorize(self, base: str, credentials: dict[str, str] | None = None, **params) -> str:
        """Open /authorize at ``base``; fill the login form (and consent) if shown; return
        the authorization code. With an SSO session no form is shown."""
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            **params,
        }
        result = self._follow(
            base,
            self.http.get(
                f"{base.rstrip('/')}/authorize?{urlencode(query)}",
                allow_redirects=False,
                timeout=TIMEOUT,
            ),
        )
        for _ in range(3):  # login page, then possibly the consent page
            if isinstance(result, str):
                return self._code(result)
            url, fields, login = _filled(result, credentials)
            if login:
                if credentials is None:
                    raise FlowError("the IdP asked for credentials")
                credentials = None  # a second login form means they were refused
            result = self._follow(
                base,
                self.http.post(
                    _rebase(base, url), data=fields, allow_redirects=False, timeout=TIMEOUT
                ),
            )
        if isinstance(result, str):
            return self._code(result)
        raise FlowError(f"login did not complete at {result.url}: {result.text[:300]}")

    def _code(self, callback: str) -> str:
        query = parse_qs(urlsplit(callback).query)
        if "error" in query:
            raise FlowError(f"{query['error'][0]}: {query.get('error_description', [''])[0]}")
        if query.get("state", [None])[0] != self.state:
            raise FlowError("state mismatch")
        return query["code"][0]

    def redeem(self, base: str, code: str) -> dict:
        """POST the code and the PKCE verifier to /token at ``base``."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
        }
        return token_request(base, data, self.client_id, self.client_secret)


def _filled(page, credentials: dict | None) -> tuple[str, dict, bool]:
    """(URL, fields, is it the login form?) to submit on an IdP page: the login form with
    ``credentials``, or the consent page allowed."""
    page_forms = forms(page.text)
    if not page_forms:
        raise FlowError(f"no form at {page.url}: {page.text[:300]}")
    form = page_forms[0]
    fields = dict(form["fields"])
    login = "clave" in fields
    if login:
        fields.update(credentials or {})
    else:
        fields["decision"] = "allow"
    return urljoin(page.url, form["action"] or page.url), fields, login


def token_request(base: str, data: dict, client_id: str, client_secret: str | None) -> dict:
    """POST to /token (client_secret_basic, or client_id in the body for public clients)."""
    auth = (client_id, client_secret) if client_secret else None
    if auth is None:
        data = dict(data, client_id=client_id)
    resp = requests.post(f"{base.rstrip('/')}/token", data=data, auth=auth, timeout=TIMEOUT)
    body = resp.json()
    if resp.status_code != 200:
        raise FlowError(f"token endpoint: {resp.status_code} {body}")
    return body


def browser_login(
    issuer: str,
    start_url: str,
    credentials: dict[str, str],
    http: requests.Session | None = None,
) -> requests.Response:
    """A browser at a relying party's login URL: follows its redirect to the IdP at ``issuer``,
    fills the login form (and the consent page) and follows back. Returns the first response
    the relying party answers with its own page: its home page, or its error page."""
    http = http or requests.Session()
    resp = http.get(start_url, timeout=TIMEOUT)
    for _ in range(3):  # login page, then possibly the consent page
        if not resp.url.startswith(issuer.rstrip("/") + "/"):
            return resp
        url, fields, _ = _filled(resp, credentials)
        resp = http.post(url, data=fields, timeout=TIMEOUT)
    raise FlowError(f"login did not complete at {resp.url}: {resp.text[:300]}")
