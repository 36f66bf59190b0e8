"""Contact data syntax of domain.md §3.5: e-mail addresses and phone numbers.

Both apps ask for them (SOL's secondary users, VUCE's registration): the syntax is written
once, here. Each app maps ``InvalidEmail`` / ``InvalidPhone`` onto its own error and message.
"""

from __future__ import annotations

import re

__all__ = [
    "EMAIL_MAX_LENGTH",
    "InvalidEmail",
    "InvalidPhone",
    "is_valid_email",
    "is_valid_phone",
    "normalize_email",
    "normalize_phone",
]

EMAIL_MAX_LENGTH = 254  # RFC 5321 §4.5.3.1.3 (path) minus the angle brackets
_LOCAL_MAX_LENGTH = 64  # RFC 5321 §4.5.3.1.1
_PHONE_MIN_DIGITS = 6

# A simple RFC 5322 addr-spec, ASCII only: a dot-atom local part (no leading, trailing or
# doubled dot) and a domain of LDH labels ending in an alphabetic TLD. Quoted local parts and
# IP literals are valid in the RFC but never seen in practice, and are refused.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL_RE = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TLD_RE = re.compile(r"[A-Za-z]{2,63}")
_PHONE_RE = re.compile(r"[0-9 ()+\-/]{6,20}")  # §3.5


class InvalidEmail(ValueError):
    """The value is not an e-mail address of §3.5."""


class InvalidPhone(ValueError):
    """The value is not a phone number of §3.5."""


def normalize_email(value: object) -> str:
    """The address stripped, with its domain lower-cased, or ``InvalidEmail``."""
    if not isinstance(value, str):
        raise InvalidEmail(f"not a string: {value!r}")
    text = value.strip()
    local, at, domain = text.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(text) > EMAIL_MAX_LENGTH
        or len(local) > _LOCAL_MAX_LENGTH
        or not _LOCAL_RE.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL_RE.fullmatch(label) for label in labels)
        or not _TLD_RE.fullmatch(labels[-1])
    ):
        raise InvalidEmail(f"invalid e-mail address: {value!r}")
    # Domains are case-insensitive; the local part may not be (RFC 5321 §2.4), so it is kept.
    return f"{local}@{domain.lower()}"


def is_valid_email(value: object) -> bool:
    """True when ``normalize_email`` accepts the value."""
    try:
        normalize_email(value)
    except InvalidEmail:
        return False
    return True


def normalize_phone(value: object) -> str:
    """The number as typed (stripped), or ``InvalidPhone``.

    6 to 20 of digits, spaces and ``( ) + - /`` (§3.5), at least 6 of them digits: the class
    alone would accept "------", and the shortest Peruvian numbers (provincial landlines) have
    six digits.
    """
    if not isinstance(value, str):
        raise InvalidPhone(f"not a string: {value!r}")
    text = value.strip()
    if not _PHONE_RE.fullmatch(text) or sum(c.isdigit() for c in text) < _PHONE_MIN_DIGITS:
        raise InvalidPhone(f"invalid phone number: {value!r}")
    return text


def is_valid_phone(value: object) -> bool:
    """True when ``normalize_phone`` accepts the value."""
    try:
        normalize_phone(value)
    except InvalidPhone:
        return False
    return True
