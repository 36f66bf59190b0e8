"""RUC rules of domain.md §3.1: every listed vector plus properties of the check digit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peru_ids import (
    ALLOWED_PREFIXES,
    RUC_WEIGHTS,
    InvalidRuc,
    is_valid_ruc,
    ruc_check_digit,
    tipo_persona,
    to_dni,
    to_ruc,
    validate_ruc,
)

# domain.md §3.1 "Valid example RUCs" table (computed and verified there).
VALID_EXAMPLES = [
    "10123456781",
    "10456789019",
    "10101174102",
    "10054148289",
    "15123456782",
    "15400000015",
    "16123456789",
    "17123456785",
    "20123456786",
    "20600000013",
    "20500000008",
    "20000000010",  # 11 - r = 10 → check 0
    "20000000061",  # 11 - r = 11 → check 1
    "10082226341",  # S mod 11 = 10 → check 1; the buggy one-liner rejects it
]
# domain.md §3.1 "Real, publicly documented RUCs that pass the algorithm".
VALID_PUBLIC = ["20131312955", "20512333797", "20100047218", "20100128218", "20607854247"]

# domain.md §3.1 "Invalid ones to use in tests", with the reason each must fail for.
INVALID_LISTED = [
    ("20512333798", "check_digit"),
    ("20100128210", "check_digit"),
    ("11292005483", "prefix"),
    ("18292005483", "prefix"),
]

INVALID_FORMAT = [
    "",
    " ",
    "2012345678",  # 10 digits
    "201234567860",  # 12 digits
    "20-12345678-6",
    "2012345678a",
    "20 123456786",
    "２０１２３４５６７８６",  # full-width digits
    "٢٠١٢٣٤٥٦٧٨٦",  # Arabic-Indic digits: \d would match these
    "20123456786\n0",
    "20000000",  # old 8-digit "RUC antiguo": not supported
]

BODY = st.text(alphabet="0123456789", min_size=8, max_size=8)
PREFIX = st.sampled_from(ALLOWED_PREFIXES)


def _weighted_sum(first10: str) -> int:
    return sum(int(d) * w for d, w in zip(first10, RUC_WEIGHTS, strict=True))


def _reference_check_digit(first10: str) -> int:
    """The table of §3.1 written out branch by branch (independent of the implementation)."""
    r = 11 - _weighted_sum(first10) % 11
    if r <= 9:
        return r
    return 0 if r == 10 else 1


@pytest.mark.parametrize("ruc", VALID_EXAMPLES + VALID_PUBLIC)
def test_listed_valid_rucs_pass(ruc):
    assert is_valid_ruc(ruc)
    assert validate_ruc(ruc) == ruc


@pytest.mark.parametrize(("ruc", "reason"), INVALID_LISTED)
def test_listed_invalid_rucs_fail_for_their_reason(ruc, reason):
    assert not is_valid_ruc(ruc)
    with pytest.raises(InvalidRuc) as info:
        validate_ruc(ruc)
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", INVALID_FORMAT)
def test_malformed_values_fail_as_format(value):
    with pytest.raises(InvalidRuc) as info:
        validate_ruc(value)
    assert info.value.reason == "format"


@pytest.mark.parametrize("value", [None, 20123456786, b"20123456786", ["20123456786"]])
def test_non_strings_fail_as_format(value):
    assert not is_valid_ruc(value)
    with pytest.raises(InvalidRuc) as info:
        validate_ruc(value)
    assert info.value.reason == "format"


def test_surrounding_whitespace_is_stripped():
    assert validate_ruc("  20123456786\t\n") == "20123456786"
    assert is_valid_ruc(" 20123456786 ")


@pytest.mark.parametrize(
    ("prefix", "accepted"),
    [(f"{p:02d}", f"{p:02d}" in ("10", "15", "16", "17", "20")) for p in range(100)],
)
def test_exactly_the_five_prefixes_are_accepted(prefix, accepted):
    body = prefix + "12345678"
    ruc = body + str(ruc_check_digit(body))
    assert is_valid_ruc(ruc) is accepted
    if not accepted:
        with pytest.raises(InvalidRuc) as info:
            validate_ruc(ruc)
        assert info.value.reason == "prefix"


def test_edge_cases_of_the_mapping():
    # r = 10 → 0 and r = 11 → 1 (Oracle's text says otherwise; the implementations agree).
    assert 11 - _weighted_sum("2000000001") % 11 == 10
    assert ruc_check_digit("2000000001") == 0
    assert 11 - _weighted_sum("2000000006") % 11 == 11
    assert ruc_check_digit("2000000006") == 1
    assert _weighted_sum("1008222634") % 11 == 10
    assert ruc_check_digit("1008222634") == 1


@pytest.mark.parametrize("value", ["", "123456789", "12345678901", "12345678a0", 1234567890])
def test_check_digit_needs_exactly_ten_digits(value):
    with pytest.raises(InvalidRuc):
        ruc_check_digit(value)


@pytest.mark.parametrize(
    ("ruc", "tipo"),
    [
        ("20123456786", "JURIDICA"),
        ("10123456781", "NATURAL"),
        ("15123456782", "NATURAL"),
        ("16123456789", "NATURAL"),
        ("17123456785", "NATURAL"),
    ],
)
def test_tipo_persona(ruc, tipo):
    assert tipo_persona(ruc) == tipo


def test_tipo_persona_validates():
    with pytest.raises(InvalidRuc):
        tipo_persona("20512333798")


@pytest.mark.parametrize(
    ("ruc", "dni"),
    [
        ("10123456781", "12345678"),
        ("10456789019", "45678901"),
        ("10101174102", "10117410"),
        ("10054148289", "05414828"),  # leading zero kept
    ],
)
def test_to_dni_and_back(ruc, dni):
    assert to_dni(ruc) == dni
    assert to_ruc(dni) == ruc


@pytest.mark.parametrize("ruc", ["15123456782", "16123456789", "17123456785", "20123456786"])
def test_to_dni_only_for_prefix_10(ruc):
    with pytest.raises(InvalidRuc) as info:
        to_dni(ruc)
    assert info.value.reason == "prefix"


def test_to_dni_validates_the_check_digit():
    with pytest.raises(InvalidRuc) as info:
        to_dni("10123456780")
    assert info.value.reason == "check_digit"


@pytest.mark.parametrize("dni", ["1234567", "123456789", "1234567a", ""])
def test_to_ruc_needs_eight_digits(dni):
    with pytest.raises(InvalidRuc):
        to_ruc(dni)


def test_invalid_ruc_rejects_unknown_reasons():
    with pytest.raises(ValueError):
        InvalidRuc("other")


# --- properties ---


@given(PREFIX, BODY)
def test_computed_check_digit_is_valid_and_every_other_digit_is_not(prefix, body):
    first10 = prefix + body
    check = ruc_check_digit(first10)
    assert is_valid_ruc(first10 + str(check))
    for other in set(range(10)) - {check}:
        with pytest.raises(InvalidRuc) as info:
            validate_ruc(first10 + str(other))
        assert info.value.reason == "check_digit"


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_check_digit_agrees_with_the_formula_and_the_table(first10):
    expected = (11 - _weighted_sum(first10) % 11) % 10
    assert ruc_check_digit(first10) == expected == _reference_check_digit(first10)


@given(st.text(alphabet="0123456789", min_size=2, max_size=2), BODY, st.integers(0, 9))
def test_validity_is_exactly_prefix_and_check_digit(prefix, body, last):
    ruc = prefix + body + str(last)
    expected = prefix in ALLOWED_PREFIXES and last == ruc_check_digit(prefix + body)
    assert is_valid_ruc(ruc) is expected


@given(st.text(max_size=15))
def test_is_valid_never_raises_and_valid_means_eleven_ascii_digits(value):
    if is_valid_ruc(value):
        ruc = validate_ruc(value)
        assert len(ruc) == 11 and ruc.isascii() and ruc.isdigit()


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_to_ruc_round_trips_every_dni(dni):
    ruc = to_ruc(dni)
    assert is_valid_ruc(ruc)
    assert tipo_persona(ruc) == "NATURAL"
    assert to_dni(ruc) == dni
