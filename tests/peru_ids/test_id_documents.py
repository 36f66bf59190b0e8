"""Identity documents of domain.md §3.2: DNI, Carnet de Extranjería, Pasaporte."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peru_ids import (
    BY_SUNAT_CODE,
    SUNAT_CODES,
    DocumentType,
    InvalidDocument,
    dni_check_character,
    dni_check_characters,
    normalize_document,
    parse_document_type,
)


def test_values_are_the_api_words():
    assert [t.value for t in DocumentType] == ["DNI", "CE", "PASAPORTE"]
    assert f"{DocumentType.CE}" == "CE"  # a StrEnum formats as its value
    assert DocumentType.PASAPORTE == "PASAPORTE"


@pytest.mark.parametrize(
    ("kind", "code", "label", "names_required"),
    [
        (DocumentType.DNI, "1", "DNI", False),
        (DocumentType.CE, "4", "Carnet de Extranjería", True),
        (DocumentType.PASAPORTE, "7", "Pasaporte", True),
    ],
)
def test_sunat_catalogue_06_codes_and_labels(kind, code, label, names_required):
    assert kind.sunat_code == code == SUNAT_CODES[kind]
    assert BY_SUNAT_CODE[code] is kind
    assert kind.label == label
    assert kind.names_required is names_required


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("DNI", DocumentType.DNI),
        ("dni", DocumentType.DNI),
        (" Ce ", DocumentType.CE),
        ("pasaporte", DocumentType.PASAPORTE),
        ("1", DocumentType.DNI),
        ("4", DocumentType.CE),
        ("7", DocumentType.PASAPORTE),
        (DocumentType.CE, DocumentType.CE),
    ],
)
def test_parse_document_type(value, expected):
    assert parse_document_type(value) is expected


@pytest.mark.parametrize("value", ["RUC", "6", "", "PASSPORT", "CARNET", None, 1])
def test_parse_document_type_rejects_others(value):
    with pytest.raises(InvalidDocument) as info:
        parse_document_type(value)
    assert info.value.reason == "type"


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        ("DNI", "12345678", "12345678"),
        ("DNI", "05414828", "05414828"),  # leading zeros kept
        ("DNI", "00000000", "00000000"),
        ("DNI", " 45678901 ", "45678901"),
        ("CE", "001234567", "001234567"),
        ("CE", "abc123", "ABC123"),
        ("CE", "X", "X"),
        ("CE", "A12345678901", "A12345678901"),  # 12, the maximum
        ("PASAPORTE", "pe1234567", "PE1234567"),
        ("PASAPORTE", "123456789012", "123456789012"),
        ("7", "ab12", "AB12"),
    ],
)
def test_normalize_valid_documents(kind, number, expected):
    assert normalize_document(kind, number) == expected


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        ("DNI", "1234567"),  # 7 digits
        ("DNI", "123456789"),  # 9 digits
        ("DNI", "10117410-2"),  # SUNAT forms take only the 8 digits
        ("DNI", "1234567A"),
        ("DNI", "１２３４５６７８"),  # full-width digits
        ("DNI", ""),
        ("CE", ""),
        ("CE", "A123456789012"),  # 13
        ("CE", "AB-123"),
        ("CE", "AB 123"),
        ("CE", "ÑANDU1"),
        ("PASAPORTE", "ı2345678"),  # dotless i upper-cases to ASCII "I"
        ("PASAPORTE", "ﬀ12"),  # ligature upper-cases to "FF"
        ("PASAPORTE", None),
        ("DNI", 12345678),
    ],
)
def test_normalize_invalid_documents(kind, number):
    with pytest.raises(InvalidDocument) as info:
        normalize_document(kind, number)
    assert info.value.reason == "format"
    assert isinstance(info.value, ValueError)


def test_normalize_rejects_an_unknown_type():
    with pytest.raises(InvalidDocument) as info:
        normalize_document("RUC", "20123456786")
    assert info.value.reason == "type"


@pytest.mark.parametrize(
    ("dni", "digit", "letter"),
    [
        ("10117410", "2", "G"),  # python-stdnum pe.cui doctest: 10117410-2
        ("00000000", "6", "K"),  # S = 0
    ],
)
def test_dni_check_character(dni, digit, letter):
    assert dni_check_characters(dni) == (digit, letter)
    assert dni_check_character(dni) == digit
    assert dni_check_character(dni, letter=True) == letter


@pytest.mark.parametrize("dni", ["1234567", "123456789", "abcdefgh", None])
def test_dni_check_character_needs_eight_digits(dni):
    with pytest.raises(InvalidDocument):
        dni_check_character(dni)


# --- properties ---


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_eight_digit_dni_is_kept_as_is(dni):
    assert normalize_document(DocumentType.DNI, dni) == dni
    digit, letter = dni_check_characters(dni)
    s = sum(int(d) * w for d, w in zip(dni, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    assert (digit, letter) == ("65432110987"[s], "KJIHGFEDCBA"[s])


@given(
    st.sampled_from([DocumentType.CE, DocumentType.PASAPORTE]),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        min_size=1,
        max_size=12,
    ),
)
def test_alphanumeric_documents_are_upper_cased(kind, number):
    assert normalize_document(kind, number) == number.upper()


@given(st.sampled_from(list(DocumentType)), st.text(max_size=16))
def test_normalized_numbers_always_match_the_format(kind, number):
    try:
        result = normalize_document(kind, number)
    except InvalidDocument:
        return
    pattern = r"[0-9]{8}" if kind is DocumentType.DNI else r"[A-Z0-9]{1,12}"
    assert re.fullmatch(pattern, result)
    assert normalize_document(kind, result) == result  # idempotent
