"""Captcha verifiers (domain.md §8); reCAPTCHA against a local siteverify server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from kvstore import MemoryStore
from webcommon import captcha

SECRET = "local-secret-0123456789"


class FakeSiteverify:
    """Speaks Google's siteverify protocol: form-encoded POST, JSON answer (§8)."""

    def __init__(self):
        self.requests = []
        self.used = set()
        self.mode = "normal"  # normal | http500 | garbage | slow
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - stdlib name
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                outer.requests.append((self.headers.get("Content-Type"), form))
                if outer.mode == "slow":
                    threading.Event().wait(1.0)
                if outer.mode == "http500":
                    self.send_response(500)
                    self.end_headers()
                    return
                if outer.mode == "garbage":
                    body = b"<html>not json</html>"
                else:
                    body = json.dumps(outer.answer(form)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/recaptcha/api/siteverify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, form):
        if not form.get("secret"):
            return {"success": False, "error-codes": ["missing-input-secret"]}
        if form["secret"] != SECRET:
            return {"success": False, "error-codes": ["invalid-input-secret"]}
        token = form.get("response")
        if not token:
            return {"success": False, "error-codes": ["missing-input-response"]}
        if token in self.used:
            return {"success": False, "error-codes": ["timeout-or-duplicate"]}
        if not token.startswith("good-"):
            return {"success": False, "error-codes": ["invalid-input-response"]}
        self.used.add(token)
        return {"success": True, "challenge_ts": "2024-01-01T00:00:00Z", "hostname": "127.0.0.1"}


@pytest.fixture
def siteverify():
    server = FakeSiteverify()
    yield server
    server.server.shutdown()


def _recaptcha(siteverify, secret=SECRET, timeout=0.5):
    return captcha.RecaptchaV2Verifier(
        secret, captcha.TEST_SITE_KEY, siteverify.url, timeout=timeout
    )


def test_recaptcha_posts_the_siteverify_form(siteverify):
    v = _recaptcha(siteverify)
    assert v.verify("good-1", "203.0.113.9") == captcha.CaptchaResult(True, ())
    ctype, form = siteverify.requests[-1]
    assert ctype == "application/x-www-form-urlencoded"
    assert form == {"secret": SECRET, "response": "good-1", "remoteip": "203.0.113.9"}
    # A token verifies once (§8).
    assert v.verify("good-1").error_codes == ("timeout-or-duplicate",)


def test_recaptcha_failures(siteverify):
    v = _recaptcha(siteverify)
    assert v.verify("bad").error_codes == ("invalid-input-response",)
    assert not v.verify("").ok and len(siteverify.requests) == 1  # nothing to ask Google
    assert _recaptcha(siteverify, secret="wrong").verify("good-2").error_codes == (
        "invalid-input-secret",
    )


@pytest.mark.parametrize(
    "mode,code",
    [
        ("http500", "verify-unavailable"),
        ("garbage", "bad-verify-response"),
        ("slow", "verify-unavailable"),
    ],
)
def test_recaptcha_fails_closed(siteverify, mode, code):
    siteverify.mode = mode
    result = _recaptcha(siteverify, timeout=0.3).verify("good-3")
    assert result == captcha.CaptchaResult(False, (code,))


def test_recaptcha_unreachable_fails_closed():
    v = captcha.RecaptchaV2Verifier(SECRET, "k", "http://127.0.0.1:9/siteverify", timeout=0.3)
    assert v.verify("good-4") == captcha.CaptchaResult(False, ("verify-unavailable",))


def test_test_backend_accepts_exactly_passed():
    v = captcha.TestVerifier()
    assert v.verify("PASSED").ok
    for token in ("passed", "PASSED ", "", None, "x"):
        assert not v.verify(token).ok


def test_offline_widget_token_is_signed_single_use_and_short_lived():
    clock = [1_000_000.0]
    store = MemoryStore()
    v = captcha.OfflineVerifier("k" * 32, store, clock=lambda: clock[0])
    widget = v.widget()
    assert widget["kind"] == "offline"
    token = widget["token"]
    assert v.verify(token).ok
    assert v.verify(token).error_codes == ("timeout-or-duplicate",)  # used
    late = v.issue()
    clock[0] += captcha.TOKEN_VALIDITY_SECONDS + 1
    assert v.verify(late).error_codes == ("timeout-or-duplicate",)  # expired
    assert v.verify(late[:-2] + "xx").error_codes == ("invalid-input-response",)
    other = captcha.OfflineVerifier("z" * 32, store, clock=lambda: clock[0])
    assert not other.verify(v.issue()).ok  # another key
    assert not v.verify(None).ok


def test_build_verifier_defaults_and_production_rules():
    assert isinstance(captcha.build_verifier({"SECRET_KEY": "s" * 32}), captcha.OfflineVerifier)
    assert isinstance(captcha.build_verifier({"RECAPTCHA_BACKEND": "test"}), captcha.TestVerifier)
    rv = captcha.build_verifier({"RECAPTCHA_BACKEND": "recaptcha"})
    assert rv.secret == captcha.TEST_SECRET_KEY and rv.site_key == captcha.TEST_SITE_KEY
    assert rv.verify_url == captcha.GOOGLE_VERIFY_URL
    with pytest.raises(captcha.CaptchaConfigError):
        captcha.build_verifier({"RECAPTCHA_BACKEND": "nope"})
    for cfg in (
        {"RECAPTCHA_BACKEND": "offline"},
        {"RECAPTCHA_BACKEND": "test"},
        {"RECAPTCHA_BACKEND": "recaptcha"},
        {"RECAPTCHA_BACKEND": "recaptcha", "RECAPTCHA_SECRET_KEY": captcha.TEST_SECRET_KEY},
    ):
        with pytest.raises(captcha.CaptchaConfigError):
            captcha.build_verifier({"ENV": "production", "SECRET_KEY": "s" * 32, **cfg})
    ok = captcha.build_verifier(
        {
            "ENV": "production",
            "RECAPTCHA_BACKEND": "recaptcha",
            "RECAPTCHA_SECRET_KEY": "real-secret",
        }
    )
    assert ok.secret == "real-secret"
