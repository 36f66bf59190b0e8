"""RUC (Registro Único de Contribuyentes): syntax, prefix and mod-11 check digit.

Implements domain.md §3.1. The check digit follows SUNAT's own client-side script and
python-stdnum (10 → 0, 11 → 1), not Oracle's documentation, which gets those edge cases wrong.
"""

from __future__ import annotations

import re

__all__ = [
    "ALLOWED_PREFIXES",
    "InvalidRuc",
    "RUC_WEIGHTS",
    "is_valid_ruc",
    "ruc_check_digit",
    "tipo_persona",
    "to_dni",
    "to_ruc",
    "validate_ruc",
]

# §3.1 / Q18: accept exactly these; 16 is reserved but listed as valid in SUNAT's specification.
ALLOWED_PREFIXES: tuple[str, ...] = ("10", "15", "16", "17", "20")
RUC_WEIGHTS: tuple[int, ...] = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# [0-9], not \d: \d also matches non-ASCII digits such as "٣", which int() would accept.
_RUC_RE = re.compile(r"[0-9]{11}")
_BODY_RE = re.compile(r"[0-9]{10}")
_DNI_RE = re.compile(r"[0-9]{8}")

JURIDICA = "JURIDICA"
NATURAL = "NATURAL"


class InvalidRuc(ValueError):
    """A RUC that fails §3.1; ``reason`` is "format", "prefix" or "check_digit"."""

    REASONS = ("format", "prefix", "check_digit")

    def __init__(self, reason: str, value: object = None) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown InvalidRuc reason {reason!r}")
        self.reason = reason
        self.value = value
        super().__init__(f"invalid RUC ({reason}): {value!r}")


def ruc_check_digit(first10: str) -> int:
    """The check digit of a 10-digit RUC body: ``(11 - S mod 11) mod 10`` (§3.1)."""
    if not isinstance(first10, str) or not _BODY_RE.fullmatch(first10):
        raise InvalidRuc("format", first10)
    total = sum(int(d) * w for d, w in zip(first10, RUC_WEIGHTS, strict=True))
    # r = 11 - S mod 11 is in 1..11; r = 10 maps to 0 and r = 11 maps to 1.
    return (11 - total % 11) % 10


def validate_ruc(value: object) -> str:
    """Return the RUC with surrounding whitespace removed, or raise ``InvalidRuc``."""
    if not isinstance(value, str):
        raise InvalidRuc("format", value)
    ruc = value.strip()
    if not _RUC_RE.fullmatch(ruc):
        raise InvalidRuc("format", value)
    if ruc[:2] not in ALLOWED_PREFIXES:
        raise InvalidRuc("prefix", value)
    if int(ruc[10]) != ruc_check_digit(ruc[:10]):
        raise InvalidRuc("check_digit", value)
    return ruc


def is_valid_ruc(value: object) -> bool:
    """True when ``validate_ruc`` accepts the value."""
    try:
        validate_ruc(value)
    except InvalidRuc:
        return False
    return True


def tipo_persona(ruc: str) -> str:
    """JURIDICA for prefix 20, NATURAL otherwise; informational only, never decides access."""
    return JURIDICA if validate_ruc(ruc).startswith("20") else NATURAL


def to_dni(ruc: str) -> str:
    """The DNI embedded in a prefix-10 RUC (digits 3–10); other prefixes carry no DNI."""
    ruc = validate_ruc(ruc)
    if not ruc.startswith("10"):
        raise InvalidRuc("prefix", ruc)
    return ruc[2:10]


def to_ruc(dni: str) -> str:
    """The prefix-10 RUC of a natural person identified by an 8-digit DNI."""
    if not isinstance(dni, str) or not _DNI_RE.fullmatch(dni.strip()):
        raise InvalidRuc("format", dni)
    body = "10" + dni.strip()
    return body + str(ruc_check_digit(body))
