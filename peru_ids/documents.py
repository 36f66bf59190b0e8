"""Identity documents of a secondary user: DNI, Carnet de Extranjería, Pasaporte (§3.2)."""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "DocumentType",
    "InvalidDocument",
    "dni_check_character",
    "dni_check_characters",
    "normalize_document",
    "parse_document_type",
]


class DocumentType(StrEnum):
    """The three document types of the SOL creation form; values are the API words."""

    DNI = "DNI"
    CE = "CE"
    PASAPORTE = "PASAPORTE"

    @property
    def sunat_code(self) -> str:
        """Code in SUNAT catálogo 06 ("1" DNI, "4" CE, "7" Pasaporte)."""
        return SUNAT_CODES[self]

    @property
    def label(self) -> str:
        """Spanish label of the SOL form."""
        return _LABELS[self]

    @property
    def names_required(self) -> bool:
        """Whether "Apellidos y Nombres" are required at creation (only when not DNI, §3.2)."""
        return self is not DocumentType.DNI


# SUNAT catálogo 06, tipos de documento de identidad [E11].
SUNAT_CODES: dict[DocumentType, str] = {
    DocumentType.DNI: "1",
    DocumentType.CE: "4",
    DocumentType.PASAPORTE: "7",
}
BY_SUNAT_CODE: dict[str, DocumentType] = {code: t for t, code in SUNAT_CODES.items()}

_LABELS: dict[DocumentType, str] = {
    DocumentType.DNI: "DNI",
    DocumentType.CE: "Carnet de Extranjería",
    DocumentType.PASAPORTE: "Pasaporte",
}

_DNI_RE = re.compile(r"[0-9]{8}")
# Checked on the raw input before upper-casing: str.upper() maps some non-ASCII letters
# to ASCII ("ı" → "I", "ﬀ" → "FF"), which would otherwise slip through.
_ALNUM_RE = re.compile(r"[A-Za-z0-9]{1,12}")

_DNI_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


class InvalidDocument(ValueError):
    """A document type or number that breaks §3.2; ``reason`` is "type" or "format"."""

    def __init__(self, reason: str, doc_type: object = None, number: object = None) -> None:
        self.reason = reason
        self.doc_type = doc_type
        self.number = number
        super().__init__(f"invalid document ({reason}): {doc_type!r} {number!r}")


def parse_document_type(value: object) -> DocumentType:
    """A ``DocumentType`` from its API word (any case) or its SUNAT catálogo 06 code."""
    if isinstance(value, DocumentType):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in BY_SUNAT_CODE:
            return BY_SUNAT_CODE[text]
        try:
            return DocumentType(text.upper())
        except ValueError:
            pass
    raise InvalidDocument("type", value)


def normalize_document(doc_type: object, number: object) -> str:
    """The canonical document number (DNI keeps leading zeros; CE and Pasaporte upper-cased)."""
    kind = parse_document_type(doc_type)
    if not isinstance(number, str):
        raise InvalidDocument("format", kind, number)
    text = number.strip()
    if kind is DocumentType.DNI:
        # SUNAT forms take only the 8 digits, without the card's check character (§3.2).
        if not _DNI_RE.fullmatch(text):
            raise InvalidDocument("format", kind, number)
        return text
    if not _ALNUM_RE.fullmatch(text):
        raise InvalidDocument("format", kind, number)
    return text.upper()


def dni_check_characters(dni: str) -> tuple[str, str]:
    """The DNI card's check character in its digit and letter forms (python-stdnum pe.cui)."""
    if not isinstance(dni, str) or not _DNI_RE.fullmatch(dni):
        raise InvalidDocument("format", DocumentType.DNI, dni)
    c = sum(int(d) * w for d, w in zip(dni, _DNI_WEIGHTS, strict=True)) % 11
    return "65432110987"[c], "KJIHGFEDCBA"[c]


def dni_check_character(dni: str, *, letter: bool = False) -> str:
    """The DNI card's check character: the digit form, or the letter form with ``letter=True``."""
    digit, alpha = dni_check_characters(dni)
    return alpha if letter else digit
