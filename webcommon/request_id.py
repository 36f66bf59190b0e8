"""One id per request, in every log line, audit row and back-channel call it causes.

The id comes from the caller's ``X-Request-ID`` when it is a short token of safe characters
(so that a header cannot forge log lines), or is made here; it is returned in the response.
It lives in a context variable for the request's thread, so loggers, the audit trail and
outgoing HTTP calls read it without being handed it.
"""

import contextvars
import os
import re

import requests

HEADER = "X-Request-ID"
ENVIRON_KEY = "HTTP_X_REQUEST_ID"
_VALID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def new_id() -> str:
    return os.urandom(16).hex()  # 128 random bits, 32 hex digits (uuid4() costs 3x more)


def accept(value: str | None) -> str:
    """The caller's id when it is well-formed, else a new one."""
    if value and _VALID.fullmatch(value):
        return value
    return new_id()


def current() -> str | None:
    """The id of the request this thread serves (None outside a request)."""
    return _current.get()


def bind(value: str | None) -> contextvars.Token:
    """Make ``value`` the current id; pass the token to ``unbind`` when the request ends."""
    return _current.set(value)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


def outgoing_headers(headers: dict | None = None) -> dict:
    """``headers`` plus the current request id, for a call to another service."""
    rid = _current.get()
    out = dict(headers or {})
    if rid and HEADER not in out:
        out[HEADER] = rid
    return out


class TracedSession(requests.Session):
    """A ``requests`` session whose every call carries the current request id (thread-safe:
    the header is added per call, never stored on the shared session)."""

    def request(self, method, url, **kwargs):
        kwargs["headers"] = outgoing_headers(kwargs.get("headers"))
        return super().request(method, url, **kwargs)
