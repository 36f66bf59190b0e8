"""VUCE role catalogue of domain.md §5.4: codes exist; combinations are NOT SOL's business."""

from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idp.domain import errors, roles

ALL = (roles.OPERACION, roles.SUPERVISOR, roles.AGENTE_ADUANA, roles.LABORATORIO)
EVERY_SUBSET = [c for n in range(len(ALL) + 1) for c in combinations(ALL, n)]


def test_the_four_codes():
    assert roles.ROLE_CODES == (
        "VUCE.USUARIO.OPERACION",
        "VUCE.USUARIO.SUPERVISOR",
        "VUCE.USUARIO.AGENTE_ADUANA",
        "VUCE.USUARIO.LABORATORIO",
    )
    assert all(code.isascii() for code in roles.ROLE_CODES)


@pytest.mark.parametrize(
    ("code", "label", "fragment"),
    [
        (
            roles.OPERACION,
            "Operador",
            "Podrá realizar todos los trámites (SUCE, Consultas Técnicas)",
        ),
        (roles.SUPERVISOR, "Supervisor", "un único supervisor por empresa"),
        (roles.AGENTE_ADUANA, "Agente de Aduana", "Base de Datos de la SUNAT"),
        (roles.LABORATORIO, "Laboratorio", "Bases de Datos de la SUNAT y del ITP"),
    ],
)
def test_spanish_labels_and_descriptions(code, label, fragment):
    role = roles.BY_CODE[roles.canonical_role(code)]
    assert role.label == label
    assert fragment in role.description


@pytest.mark.parametrize(
    "subset", EVERY_SUBSET, ids=lambda s: "+".join(c[13:] for c in s) or "none"
)
def test_every_subset_is_accepted(subset):
    # Including ∅, AGENTE+LAB together, AGENTE without OPERACION: VUCE decides at entry (§6.2).
    assert roles.validate_role_codes(subset) == tuple(sorted(subset))


def test_sixteen_subsets():
    assert len(EVERY_SUBSET) == 16


def test_duplicates_and_accented_alias():
    assert roles.validate_role_codes(
        ["VUCE.USUARIO.OPERACIÓN", roles.OPERACION, f" {roles.SUPERVISOR} "]
    ) == (roles.OPERACION, roles.SUPERVISOR)
    assert roles.validate_role_codes(roles.LABORATORIO) == (roles.LABORATORIO,)


@pytest.mark.parametrize(
    "code", ["VUCE.USUARIO.ADMIN", "vuce.usuario.operacion", "OPERACION", "", None, 1]
)
def test_unknown_role_codes(code):
    with pytest.raises(errors.UnknownRole) as info:
        roles.validate_role_codes([roles.OPERACION, code])
    assert info.value.code == "UNKNOWN_ROLE" and info.value.status == 422


def test_unknown_role_message_names_the_code():
    with pytest.raises(errors.UnknownRole) as info:
        roles.canonical_role("VUCE.USUARIO.ADMIN")
    assert info.value.message == "El rol VUCE.USUARIO.ADMIN no existe."


@given(st.lists(st.sampled_from(ALL)))
def test_any_list_of_known_codes_is_accepted(codes):
    assert roles.validate_role_codes(codes) == tuple(sorted(set(codes)))
