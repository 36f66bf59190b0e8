"""Captcha backends shared by both apps, chosen by ``RECAPTCHA_BACKEND``: VUCE's contingency
forms (domain.md §8) and the IdP's SOL login form after failed claves (``IDP_RECAPTCHA_*``).

- ``recaptcha``: Google reCAPTCHA v2; the token the widget posts in ``g-recaptcha-response`` is
  checked server-side at ``RECAPTCHA_VERIFY_URL`` (form fields ``secret``, ``response``,
  ``remoteip``) with a timeout. Any doubt (timeout, HTTP error, malformed answer) fails closed.
- ``offline`` (embedded default): a local "No soy un robot" checkbox whose value is a token
  signed by this server (itsdangerous, 2-minute validity like Google's, single use); no network.
- ``test``: accepts exactly the token ``PASSED`` (automated tests cover the failure path too).

VUCE in production refuses the offline/test backends and Google's published test secret; the
IdP refuses the test backend and Google's test secret (``check_production``).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import Protocol

import requests
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

log = logging.getLogger("webcommon.captcha")

FIELD = "g-recaptcha-response"
GOOGLE_VERIFY_URL = "https://www.google.com/recaptcha/api/siteverify"
# Google's published test keys (always pass; the widget shows a "testing purposes" banner).
TEST_SITE_KEY = "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI"
TEST_SECRET_KEY = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe"
TEST_TOKEN = "PASSED"
TOKEN_VALIDITY_SECONDS = 120  # §8: a token is valid for 2 minutes and can be verified once
BACKENDS = ("recaptcha", "offline", "test")


class CaptchaConfigError(RuntimeError):
    """The captcha settings are unsafe for production or malformed."""


@dataclass(frozen=True)
class CaptchaResult:
    """``verify``'s answer: ``ok`` plus Google-style ``error_codes``."""

    ok: bool
    error_codes: tuple[str, ...] = ()


class CaptchaVerifier(Protocol):
    """One way of telling people from robots on the contingency forms."""

    backend: str

    def widget(self) -> dict:
        """What the template needs to draw the widget (``kind`` plus its data)."""

    def verify(self, token: str | None, remote_ip: str | None = None) -> CaptchaResult:
        """Check the posted token; never raises, fails closed."""


class RecaptchaV2Verifier:
    """Google reCAPTCHA v2, verified server-side (siteverify)."""

    backend = "recaptcha"

    def __init__(
        self,
        secret: str,
        site_key: str,
        verify_url: str = GOOGLE_VERIFY_URL,
        *,
        timeout: float = 5.0,
        http: requests.Session | None = None,
    ) -> None:
        self.secret = secret
        self.site_key = site_key
        self.verify_url = verify_url
        self.timeout = timeout
        self.http = http or requests.Session()

    def widget(self) -> dict:
        return {"kind": "recaptcha", "site_key": self.site_key}

    def verify(self, token: str | None, remote_ip: str | None = None) -> CaptchaResult:
        if not token:
            return CaptchaResult(False, ("missing-input-response",))
        data = {"secret": self.secret, "response": token}
        if remote_ip:
            data["remoteip"] = remote_ip
        try:
            resp = self.http.post(self.verify_url, data=data, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("reCAPTCHA siteverify unreachable: %s", exc)
            return CaptchaResult(False, ("verify-unavailable",))
        if resp.status_code != 200:
            log.warning("reCAPTCHA siteverify answered HTTP %s", resp.status_code)
            return CaptchaResult(False, ("verify-unavailable",))
        try:
            body = resp.json()
        except ValueError:
            return CaptchaResult(False, ("bad-verify-response",))
        if not isinstance(body, dict):
            return CaptchaResult(False, ("bad-verify-response",))
        codes = body.get("error-codes") or []
        codes = tuple(str(c) for c in codes) if isinstance(codes, list) else ()
        # Only a literal JSON ``true`` passes: "true", 1 or a missing field do not.
        return CaptchaResult(body.get("success") is True, codes)


class _ClockSigner(TimestampSigner):
    clock = staticmethod(time.time)

    def get_timestamp(self) -> int:
        return int(self.clock())


class OfflineVerifier:
    """The embedded "No soy un robot" checkbox: its value is a server-signed, single-use token.

    A scripted robot can of course tick it; what it does offer is the same form, the same
    posted field and the same single-use semantics as reCAPTCHA, with no network.
    """

    backend = "offline"
    SALT = "vuce.captcha.offline"

    def __init__(
        self,
        secret_key: str,
        store=None,
        *,
        max_age: int = TOKEN_VALIDITY_SECONDS,
        clock=time.time,
        salt: str = SALT,
    ) -> None:
        signer = type("Signer", (_ClockSigner,), {"clock": staticmethod(clock)})
        self._serializer = URLSafeTimedSerializer(secret_key, salt=salt, signer=signer)
        self.store = store
        self.used_prefix = f"{salt}:used:"
        self.max_age = max_age
        self.clock = clock

    def issue(self) -> str:
        """A fresh token for one rendering of the form."""
        return self._serializer.dumps(secrets.token_urlsafe(16))

    def widget(self) -> dict:
        return {"kind": "offline", "token": self.issue()}

    def verify(self, token: str | None, remote_ip: str | None = None) -> CaptchaResult:
        if not token:
            return CaptchaResult(False, ("missing-input-response",))
        try:
            nonce, issued = self._serializer.loads(token, return_timestamp=True)
        except SignatureExpired:
            return CaptchaResult(False, ("timeout-or-duplicate",))
        except BadSignature:
            return CaptchaResult(False, ("invalid-input-response",))
        age = self.clock() - issued.timestamp()
        if age > self.max_age or age < -60:
            return CaptchaResult(False, ("timeout-or-duplicate",))
        if self.store is not None and not self.store.add(
            f"{self.used_prefix}{nonce}", "1", ttl=self.max_age + 60
        ):
            return CaptchaResult(False, ("timeout-or-duplicate",))
        return CaptchaResult(True)


class TestVerifier:
    """Accepts exactly ``PASSED``; everything else fails (tests cover both paths)."""

    __test__ = False  # not a pytest class
    backend = "test"

    def widget(self) -> dict:
        return {"kind": "test", "token": TEST_TOKEN}

    def verify(self, token: str | None, remote_ip: str | None = None) -> CaptchaResult:
        if token == TEST_TOKEN:
            return CaptchaResult(True)
        return CaptchaResult(
            False, ("invalid-input-response",) if token else ("missing-input-response",)
        )


def check_production(backend: str, secret: str | None) -> list[str]:
    """Problems that make these captcha settings unacceptable in production."""
    problems = []
    if backend != "recaptcha":
        problems.append(f"RECAPTCHA_BACKEND={backend} is for development and tests only")
    elif not secret or secret == TEST_SECRET_KEY:
        problems.append("RECAPTCHA_SECRET_KEY must be set (Google's test secret always passes)")
    return problems


def check_production_login(backend: str, secret: str | None) -> list[str]:
    """The IdP's rule: the login captcha may be the local checkbox (it still costs a robot a
    fetch and a single-use token per attempt), never the always-passing test backend."""
    problems = []
    if backend == "test":
        problems.append("IDP_RECAPTCHA_BACKEND=test is for tests only")
    elif backend == "recaptcha" and (not secret or secret == TEST_SECRET_KEY):
        problems.append("IDP_RECAPTCHA_SECRET_KEY must be set (Google's test secret always passes)")
    return problems


def build_verifier(
    config: dict,
    *,
    store=None,
    clock=time.time,
    check=check_production,
    salt: str = OfflineVerifier.SALT,
) -> CaptchaVerifier:
    """The verifier named by ``RECAPTCHA_BACKEND`` (``offline`` by default); ``check`` is the
    app's production rule (VUCE's by default)."""
    backend = (config.get("RECAPTCHA_BACKEND") or "offline").strip().lower()
    if backend not in BACKENDS:
        raise CaptchaConfigError(f"RECAPTCHA_BACKEND must be one of {', '.join(BACKENDS)}")
    secret = config.get("RECAPTCHA_SECRET_KEY") or TEST_SECRET_KEY
    if config.get("ENV") == "production":
        problems = check(backend, config.get("RECAPTCHA_SECRET_KEY"))
        if problems:
            raise CaptchaConfigError("production settings refused: " + "; ".join(problems))
    if backend == "recaptcha":
        if secret == TEST_SECRET_KEY:
            log.warning("development default: RECAPTCHA_SECRET_KEY is Google's test secret")
        return RecaptchaV2Verifier(
            secret,
            config.get("RECAPTCHA_SITE_KEY") or TEST_SITE_KEY,
            config.get("RECAPTCHA_VERIFY_URL") or GOOGLE_VERIFY_URL,
            timeout=float(config.get("RECAPTCHA_TIMEOUT") or 5.0),
        )
    if backend == "test":
        return TestVerifier()
    return OfflineVerifier(config["SECRET_KEY"], store, clock=clock, salt=salt)
