"""E-mail and phone syntax of domain.md §3.5, the one rule both apps call."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peru_ids import (
    EMAIL_MAX_LENGTH,
    InvalidEmail,
    InvalidPhone,
    is_valid_email,
    is_valid_phone,
    normalize_email,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("vuceayuda@mincetur.gob.pe", "vuceayuda@mincetur.gob.pe"),
        ("Juan.Perez@Empresa.COM.PE", "Juan.Perez@empresa.com.pe"),  # the local part is kept
        ("o'brien+vuce@sub.example.com.pe", "o'brien+vuce@sub.example.com.pe"),
        (" user@example.com ", "user@example.com"),
        ("x@" + "a" * 63 + ".pe", "x@" + "a" * 63 + ".pe"),
        ("a" * 64 + "@example.pe", "a" * 64 + "@example.pe"),
    ],
)
def test_valid_emails(value, expected):
    assert normalize_email(value) == expected
    assert is_valid_email(value)


# §3.5's e-mail syntax, refused (the IdP's and VUCE's checks call this one rule).
BAD_EMAILS = [
    "",
    "plainaddress",
    "@example.com",
    "user@",
    "user@localhost",
    "user@@example.com",
    "us er@example.com",
    ".user@example.com",
    "user.@example.com",
    "us..er@example.com",
    "user@-example.com",
    "user@example-.com",
    "user@example..com",
    "user@example.c",
    "user@example.123",
    "josé@example.com",
    "user@exámple.com",
    "a" * 65 + "@example.com",
    "a@" + "b" * 64 + ".pe",
    "user@exa\nmple.com",
    None,
    42,
]


@pytest.mark.parametrize("value", BAD_EMAILS)
def test_invalid_emails(value):
    with pytest.raises(InvalidEmail):
        normalize_email(value)
    assert not is_valid_email(value)


def test_email_errors_are_value_errors():
    assert issubclass(InvalidEmail, ValueError) and issubclass(InvalidPhone, ValueError)


def test_email_length_limit_is_254():
    address = "a" * 62 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * 8
    assert len(address) == EMAIL_MAX_LENGTH == 254
    assert normalize_email(address) == address
    assert not is_valid_email(address + "c")


@given(st.text(max_size=300))
def test_accepted_emails_are_short_ascii_and_have_one_at(value):
    if is_valid_email(value):
        result = normalize_email(value)
        assert len(result) <= 254 and result.count("@") == 1 and result.isascii()


@pytest.mark.parametrize(
    "value",
    [
        "207-1510 / 713-4646",
        "(01) 311-3333",
        "+51 1 2071510",
        "+51 987654321",
        "987654321",
        "123456",
        "1" * 20,
    ],
)
def test_valid_phones(value):
    assert normalize_phone(f" {value} ") == value
    assert is_valid_phone(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345",  # too short
        "1" * 21,  # too long
        "------",  # no digits
        "(1) 2-3",  # fewer than 6 digits
        "207.1510",
        "98765432a",
        "anexo 123456",
        "987654321#",
        "١٢٣٤٥٦",  # digits, but not ASCII ones
        None,
        42,
    ],
)
def test_invalid_phones(value):
    with pytest.raises(InvalidPhone):
        normalize_phone(value)
    assert not is_valid_phone(value)
