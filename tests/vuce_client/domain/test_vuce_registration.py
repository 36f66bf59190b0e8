"""Registration and "Modificación de Datos" validation (domain.md §3.5, §6.4, Q16)."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vuce_client.domain import messages
from vuce_client.domain.registration import (
    RegistrationData,
    RegistrationError,
    check_linked_entity,
    email_updated,
    is_valid_email,
    normalize_email,
    validate_registration,
)

KNOWN_UBIGEOS = {"150101", "070107"}
GOOD = RegistrationData(
    names="  Pérez Gómez, Ana  ",
    ubigeo="150101",
    address="Av. Javier Prado 123",
    reference="",
    phone="(01) 207-1510",
    mobile="987654321",
    fax=None,
    email="Ana.Perez@Example.PE",
    notifications_consent=True,
    accepted_terms_version="2024-01",
)


def validate(data=GOOD, *, user_type="secondary", needs_section=None, **kw):
    return validate_registration(
        data,
        user_type=user_type,
        needs_section=needs_section,
        ubigeo_exists=KNOWN_UBIGEOS.__contains__,
        **kw,
    )


def errors_of(data, **kw) -> dict[str, str]:
    with pytest.raises(RegistrationError) as info:
        validate(data, **kw)
    assert isinstance(info.value, ValueError)
    return info.value.errors


def test_good_data_is_cleaned():
    clean = validate()
    assert clean.names == "Pérez Gómez, Ana"
    assert clean.email == "Ana.Perez@example.pe"  # domain lower-cased, local part kept
    assert clean.reference is None and clean.fax is None
    assert clean.phone == "(01) 207-1510"
    assert clean.notifications_consent is True
    assert clean.linked_ruc is None and clean.area is None


def test_all_errors_are_reported_at_once():
    errors = errors_of(RegistrationData())
    assert errors == {
        "names": messages.ERR_NAMES_REQUIRED,
        "ubigeo": messages.ERR_UBIGEO_INVALID,
        "address": messages.ERR_ADDRESS_REQUIRED,
        "email": messages.ERR_EMAIL_REQUIRED,
        "accepted_terms_version": messages.ERR_TERMS_NOT_ACCEPTED,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("names", "   ", messages.ERR_NAMES_REQUIRED),
        ("names", "x" * 201, messages.ERR_NAMES_TOO_LONG.format(200)),
        ("address", "", messages.ERR_ADDRESS_REQUIRED),
        ("address", "x" * 201, messages.ERR_ADDRESS_TOO_LONG.format(200)),
        ("reference", "x" * 201, messages.ERR_REFERENCE_TOO_LONG.format(200)),
        ("ubigeo", "999999", messages.ERR_UBIGEO_INVALID),
        ("ubigeo", "240107", messages.ERR_UBIGEO_INVALID),  # RENIEC's Mi Perú, not INEI
        ("ubigeo", "15", messages.ERR_UBIGEO_INVALID),
        ("ubigeo", "15010A", messages.ERR_UBIGEO_INVALID),
        ("email", None, messages.ERR_EMAIL_REQUIRED),
        ("email", "ana@", messages.ERR_EMAIL_INVALID),
        ("email", "ana@example", messages.ERR_EMAIL_INVALID),
        ("email", "a b@example.pe", messages.ERR_EMAIL_INVALID),
        ("email", "a@@example.pe", messages.ERR_EMAIL_INVALID),
        ("email", ".ana@example.pe", messages.ERR_EMAIL_INVALID),
        ("email", "ana..p@example.pe", messages.ERR_EMAIL_INVALID),
        ("email", "a" * 65 + "@example.pe", messages.ERR_EMAIL_INVALID),
        ("email", "a@" + "b" * 250 + ".pe", messages.ERR_EMAIL_INVALID),
        ("phone", "12345", messages.ERR_PHONE_INVALID),
        ("phone", "1" * 21, messages.ERR_PHONE_INVALID),
        ("mobile", "98765432a", messages.ERR_PHONE_INVALID),
        ("fax", "207.1510", messages.ERR_PHONE_INVALID),
        ("accepted_terms_version", "", messages.ERR_TERMS_NOT_ACCEPTED),
    ],
)
def test_each_field_rule(field, value, message):
    assert errors_of(replace(GOOD, **{field: value})) == {field: message}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("names", "x" * 200),
        ("address", "x"),
        ("reference", "x" * 200),
        ("ubigeo", "070107"),
        ("phone", "207-1510 / 713-4646"),
        ("phone", "+51 1 2071510"),
        ("mobile", "987654"),
        ("fax", "1" * 20),
        ("phone", ""),
        ("email", "o'brien+vuce@sub.example.com.pe"),
    ],
)
def test_boundaries_accepted(field, value):
    validate(replace(GOOD, **{field: value}))


def test_consent_is_optional():
    assert validate(replace(GOOD, notifications_consent=False)).notifications_consent is False


def test_terms_version_in_force():
    validate(terms_version="2024-01")
    assert errors_of(GOOD, terms_version="2025-01") == {
        "accepted_terms_version": messages.ERR_TERMS_OUTDATED
    }


def test_edit_form_does_not_require_the_terms():
    clean = validate(replace(GOOD, accepted_terms_version=None), require_terms=False)
    assert clean.accepted_terms_version is None


@pytest.mark.parametrize(
    ("section", "missing_message"),
    [
        ("AGENTE_ADUANA", messages.ERR_LINKED_RUC_REQUIRED_AGENT),
        ("LABORATORIO", messages.ERR_LINKED_RUC_REQUIRED_LAB),
    ],
)
def test_linked_ruc_when_a_section_is_needed(section, missing_message):
    assert errors_of(GOOD, needs_section=section) == {"linked_ruc": missing_message}
    bad = replace(GOOD, linked_ruc="20512333798")  # check digit (domain.md §3.1)
    assert errors_of(bad, needs_section=section) == {"linked_ruc": messages.ERR_LINKED_RUC_INVALID}
    bad_prefix = replace(GOOD, linked_ruc="11292005483")
    assert errors_of(bad_prefix, needs_section=section) == {
        "linked_ruc": messages.ERR_LINKED_RUC_INVALID
    }
    clean = validate(replace(GOOD, linked_ruc=" 20000000061 "), needs_section=section)
    assert clean.linked_ruc == "20000000061"


def test_linked_ruc_is_dropped_without_a_section():
    assert validate(replace(GOOD, linked_ruc="20123456786")).linked_ruc is None


@pytest.mark.parametrize("user_type", ["principal", "extranet"])
def test_only_secondaries_have_sections(user_type):
    with pytest.raises(ValueError):
        validate(user_type=user_type, needs_section="AGENTE_ADUANA")


def test_section_must_be_agent_or_lab():
    with pytest.raises(ValueError):
        validate(needs_section="EMPRESA")


def test_area_and_sub_area_for_extranet_only():
    data = replace(GOOD, area=" Dirección de Sanidad ", sub_area="Evaluación")
    clean = validate(data, user_type="extranet")
    assert (clean.area, clean.sub_area) == ("Dirección de Sanidad", "Evaluación")
    clean = validate(data, user_type="secondary")
    assert (clean.area, clean.sub_area) == (None, None)
    assert errors_of(replace(GOOD, area="x" * 101), user_type="extranet") == {
        "area": messages.ERR_AREA_TOO_LONG.format(100)
    }


def test_error_fields_have_labels():
    for field in errors_of(RegistrationData(), needs_section="AGENTE_ADUANA"):
        assert field in messages.FIELD_LABELS


def test_non_string_input_is_a_programming_error():
    with pytest.raises(TypeError):
        validate(replace(GOOD, names=123))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Agency / laboratory lookups (§6.4 steps 2-3).
# ---------------------------------------------------------------------------------------------


def linked_error(section, **kw):
    with pytest.raises(RegistrationError) as info:
        check_linked_entity(section, **kw)
    return info.value.errors["linked_ruc"]


def test_agency_rules():
    assert linked_error("AGENTE_ADUANA", in_padron=False) == messages.ERR_AGENCY_RUC_UNKNOWN
    assert (
        linked_error("AGENTE_ADUANA", in_padron=True, is_customs_agent=False)
        == messages.ERR_NOT_CUSTOMS_AGENT
    )
    check_linked_entity("AGENTE_ADUANA", in_padron=True, is_customs_agent=True)


def test_laboratory_rules():
    assert linked_error("LABORATORIO", in_padron=False, in_itp_registry=True) == (
        messages.ERR_AGENCY_RUC_UNKNOWN
    )
    assert linked_error("LABORATORIO", in_padron=True) == (
        "El RUC ingresado no corresponde a un laboratorio registrado en la Base de Datos del ITP."
    )
    assert linked_error("LABORATORIO", in_padron=True, lab_registry_name="SANIPES").endswith(
        "del SANIPES."
    )
    # A customs-agent flag does not make a laboratory.
    assert linked_error("LABORATORIO", in_padron=True, is_customs_agent=True)
    check_linked_entity("LABORATORIO", in_padron=True, in_itp_registry=True)


def test_linked_entity_section_must_be_agent_or_lab():
    with pytest.raises(ValueError):
        check_linked_entity("EMPRESA", in_padron=True)


# ---------------------------------------------------------------------------------------------
# email_actualizado_en (§6.4 last line, Q14) and the e-mail helper.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old_email", "old_consent", "new_email", "new_consent", "expected"),
    [
        (None, False, "ana@example.pe", False, True),  # first registration
        (None, False, "ana@example.pe", True, True),
        ("ana@example.pe", False, "ana@example.pe", True, True),  # consent given
        ("ana@example.pe", True, "ana@example.pe", False, True),  # consent withdrawn
        ("ana@example.pe", True, "otra@example.pe", True, True),  # address changed
        ("ana@example.pe", True, "ana@example.pe", True, False),  # nothing changed
        ("ana@example.pe", True, " ANA@example.pe ", True, False),  # same address, other case
        ("ana@example.pe", True, "", False, False),  # an empty e-mail is never "actualizado"
        (None, False, None, True, False),
    ],
)
def test_email_updated(old_email, old_consent, new_email, new_consent, expected):
    assert email_updated(old_email, old_consent, new_email, new_consent) is expected


def test_normalize_email():
    assert normalize_email(" Ana@EXAMPLE.pe ") == "Ana@example.pe"
    with pytest.raises(ValueError):
        normalize_email("nope")
    assert not is_valid_email(None) and not is_valid_email(42) and is_valid_email("a@b.pe")


@given(st.text(max_size=300))
def test_email_validation_never_crashes_and_respects_the_length_limit(text):
    if is_valid_email(text):
        assert len(normalize_email(text)) <= 254
        assert normalize_email(text).count("@") == 1
