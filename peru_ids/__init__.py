"""Peruvian identifiers, stdlib only: RUC check digit, DNI / CE / Pasaporte syntax, and the
e-mail and phone syntax both apps ask for (§3.5).

A leaf package: it imports nothing outside the standard library (tests/test_layers.py keeps
it that way), so both apps and any script can use it.
"""

from .contact import (
    EMAIL_MAX_LENGTH,
    InvalidEmail,
    InvalidPhone,
    is_valid_email,
    is_valid_phone,
    normalize_email,
    normalize_phone,
)
from .documents import (
    BY_SUNAT_CODE,
    SUNAT_CODES,
    DocumentType,
    InvalidDocument,
    dni_check_character,
    dni_check_characters,
    normalize_document,
    parse_document_type,
)
from .ruc import (
    ALLOWED_PREFIXES,
    JURIDICA,
    NATURAL,
    RUC_WEIGHTS,
    InvalidRuc,
    is_valid_ruc,
    ruc_check_digit,
    tipo_persona,
    to_dni,
    to_ruc,
    validate_ruc,
)

__all__ = [
    "ALLOWED_PREFIXES",
    "BY_SUNAT_CODE",
    "DocumentType",
    "EMAIL_MAX_LENGTH",
    "InvalidDocument",
    "InvalidEmail",
    "InvalidPhone",
    "InvalidRuc",
    "JURIDICA",
    "NATURAL",
    "RUC_WEIGHTS",
    "SUNAT_CODES",
    "dni_check_character",
    "dni_check_characters",
    "is_valid_email",
    "is_valid_phone",
    "is_valid_ruc",
    "normalize_document",
    "normalize_email",
    "normalize_phone",
    "parse_document_type",
    "ruc_check_digit",
    "tipo_persona",
    "to_dni",
    "to_ruc",
    "validate_ruc",
]
