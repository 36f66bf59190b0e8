"""Trámites, components and who may file or see them (domain.md §4, §5.4, Q9)."""

import pytest

from vuce_client.domain import messages
from vuce_client.domain.roles import AGENTE_ADUANA, LABORATORIO, OPERACION, SUPERVISOR
from vuce_client.domain.tramites import (
    Component,
    FilingNotAllowed,
    TramiteState,
    TramiteType,
    can_transition,
    can_view,
    check_can_file,
    filing_role,
    visible_scope,
)

OP, SUP, AG, LAB = OPERACION, SUPERVISOR, AGENTE_ADUANA, LABORATORIO


def test_types():
    assert [t.value for t in TramiteType] == ["SUCE", "CONSULTA_TECNICA"]
    assert TramiteType.CONSULTA_TECNICA.label == "Consulta Técnica"


@pytest.mark.parametrize(
    ("component", "value", "label", "prefix", "suffix"),
    [
        (Component.MR, "MERCANCIAS_RESTRINGIDAS", "Mercancías Restringidas", "/mr", "MR"),
        (Component.ORIGEN, "ORIGEN", "Origen", "/origen", "ORIGEN"),
        (Component.GA, "GESTION_AUTORIZACIONES", "Gestión de Autorizaciones", "/ga", "GA"),
    ],
)
def test_components(component, value, label, prefix, suffix):
    assert component == value
    assert component.label == label
    assert component.url_prefix == prefix
    assert component.env_suffix == suffix
    assert Component.from_env_suffix(suffix.lower()) is component


def test_unknown_component_suffix():
    with pytest.raises(ValueError):
        Component.from_env_suffix("XX")


def test_state_machine():
    assert can_transition("BORRADOR", "ENVIADO")
    assert can_transition("EN_EVALUACION", "APROBADO")
    assert not can_transition("BORRADOR", "APROBADO")
    assert not can_transition("APROBADO", "BORRADOR")
    assert {s for s in TramiteState if s.is_final} == {"APROBADO", "DENEGADO", "ANULADO"}
    assert TramiteState.EN_EVALUACION.label == "En evaluación"
    assert TramiteState.OBSERVADO.label == "Observado"


@pytest.mark.parametrize("roles", [{OP}, {OP, SUP}, {AG, OP}, {LAB, OP}, {SUP, AG, OP}])
def test_secondary_with_operacion_files(roles):
    check_can_file(roles, "secondary")


@pytest.mark.parametrize("roles", [set(), {SUP}, {AG}, {LAB}])
def test_secondary_without_operacion_cannot_file(roles):
    with pytest.raises(FilingNotAllowed) as info:
        check_can_file(roles, "secondary")
    assert info.value.message == messages.ERR_CANNOT_FILE


def test_principal_files_and_extranet_does_not():
    check_can_file([], "principal")
    with pytest.raises(FilingNotAllowed) as info:
        check_can_file({OP}, "extranet")
    assert info.value.message == messages.ERR_EXTRANET_CANNOT_FILE


@pytest.mark.parametrize(
    ("roles", "user_type", "expected"),
    [
        ({AG, OP}, "secondary", AG),
        ({LAB, OP}, "secondary", LAB),
        ({OP, SUP}, "secondary", OP),
        ({SUP}, "secondary", None),
        ((), "principal", None),
    ],
)
def test_filing_role(roles, user_type, expected):
    assert filing_role(roles, user_type) == expected


@pytest.mark.parametrize(
    ("roles", "user_type", "scope"),
    [
        ({OP}, "secondary", "own"),
        ({AG, OP}, "secondary", "own"),
        ({SUP}, "secondary", "ruc"),
        ({OP, SUP}, "secondary", "ruc"),
        ((), "principal", "ruc"),
        ({SUP}, "extranet", "own"),
    ],
)
def test_visible_scope(roles, user_type, scope):
    assert visible_scope(roles, user_type) == scope


def test_can_view():
    mine = dict(viewer_ruc="20123456786", viewer_account_key="sol:20123456786:OPERA001")
    own_tramite = dict(tramite_ruc="20123456786", tramite_creator_key="sol:20123456786:OPERA001")
    colleague = dict(tramite_ruc="20123456786", tramite_creator_key="sol:20123456786:OPERA002")
    other_ruc = dict(tramite_ruc="20600000013", tramite_creator_key="sol:20600000013:OPERA001")
    assert can_view("own", **mine, **own_tramite)
    assert not can_view("own", **mine, **colleague)
    assert can_view("ruc", **mine, **colleague)
    assert not can_view("ruc", **mine, **other_ruc)
    assert not can_view("ruc", viewer_ruc=None, viewer_account_key="ext:EXT1", **colleague)
