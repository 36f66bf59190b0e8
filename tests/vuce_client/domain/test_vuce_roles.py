"""VUCE role codes and capabilities (domain.md §5.4, Q9)."""

import pytest

from vuce_client.domain.roles import (
    AGENTE_ADUANA,
    LABORATORIO,
    OPERACION,
    SUPERVISOR,
    VUCE_ROLES,
    RegisteredAs,
    can_file,
    can_supervise,
    registered_as_for,
    role_for,
    section_for,
    vuce_roles,
)

OP, SUP, AG, LAB = OPERACION, SUPERVISOR, AGENTE_ADUANA, LABORATORIO


def test_codes_are_the_contract_codes():
    assert VUCE_ROLES == {
        "VUCE.USUARIO.OPERACION",
        "VUCE.USUARIO.SUPERVISOR",
        "VUCE.USUARIO.AGENTE_ADUANA",
        "VUCE.USUARIO.LABORATORIO",
    }


def test_vuce_roles_filters_other_applications_and_folds_the_accent():
    assert vuce_roles(["OCE.PORTAL.IMPORTADOR", SUP]) == {SUP}
    assert vuce_roles(["VUCE.USUARIO.OPERACIÓN"]) == {OP}


def test_vuce_roles_refuses_a_bare_string():
    with pytest.raises(TypeError):
        vuce_roles(OP)


@pytest.mark.parametrize(
    ("roles", "files", "supervises"),
    [
        (set(), False, False),
        ({OP}, True, False),
        ({SUP}, False, True),  # Q9: SUPERVISOR alone reads but does not file
        ({OP, SUP}, True, True),
        ({AG, OP}, True, False),
        ({LAB, OP}, True, False),
        ({SUP, AG, OP}, True, True),
        ({AG}, False, False),
    ],
)
def test_secondary_capabilities(roles, files, supervises):
    assert can_file(roles) is files
    assert can_file(roles, "secondary") is files
    assert can_supervise(roles) is supervises


def test_principal_has_full_capabilities_of_its_ruc():
    assert can_file([], "principal") and can_supervise([], "principal")


def test_extranet_neither_files_nor_supervises():
    assert not can_file({OP, SUP}, "extranet") and not can_supervise({OP, SUP}, "extranet")


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({OP}, RegisteredAs.EMPRESA),
        ({SUP}, RegisteredAs.EMPRESA),
        ({OP, SUP}, "EMPRESA"),
        ({AG, OP}, "AGENTE_ADUANA"),
        ({LAB, OP}, "LABORATORIO"),
        ({SUP, AG, OP}, "AGENTE_ADUANA"),
    ],
)
def test_registered_as_for(roles, expected):
    assert registered_as_for(roles) == expected
    assert section_for(roles) == (None if expected == "EMPRESA" else expected)


def test_agent_and_lab_have_no_registered_as():
    with pytest.raises(ValueError):
        registered_as_for({AG, LAB, OP})


def test_role_for():
    assert role_for("AGENTE_ADUANA") == AG
    assert role_for(RegisteredAs.LABORATORIO) == LAB
    assert role_for("EMPRESA") is None
    assert role_for(None) is None
    with pytest.raises(ValueError):
        role_for("OTRO")
