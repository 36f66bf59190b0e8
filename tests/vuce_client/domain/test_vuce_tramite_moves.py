"""Trámite states past ENVIADO (issue 13, item 18): every (state, state) pair of the lifecycle,
and who may move a trámite (an Extranet official of its entity), tested exhaustively."""

import itertools

import pytest

from vuce_client.domain import messages
from vuce_client.domain.tramites import (
    DEFAULT_ENTITY,
    NOTE_MAX_LENGTH,
    Component,
    Entity,
    MoveNotAllowed,
    TramiteState,
    can_transition,
    check_move,
    move_notice,
    official_moves,
    parse_entity,
    same_entity,
)

S = TramiteState
# The whole lifecycle, written out: anything absent is refused.
EXPECTED = {
    (S.BORRADOR, S.ENVIADO),
    (S.BORRADOR, S.ANULADO),
    (S.ENVIADO, S.EN_EVALUACION),
    (S.EN_EVALUACION, S.OBSERVADO),
    (S.EN_EVALUACION, S.APROBADO),
    (S.EN_EVALUACION, S.DENEGADO),
    (S.OBSERVADO, S.EN_EVALUACION),
    (S.OBSERVADO, S.DENEGADO),
}
# The filer's own moves (drafts) are not the entity's.
OFFICIAL = {(a, b) for a, b in EXPECTED if a is not S.BORRADOR}
ALL_PAIRS = list(itertools.product(TramiteState, TramiteState))


@pytest.mark.parametrize(("current", "new"), ALL_PAIRS, ids=lambda s: s.value)
def test_every_transition(current, new):
    assert can_transition(current, new) is ((current, new) in EXPECTED)
    assert (new in official_moves(current)) is ((current, new) in OFFICIAL)


def test_official_moves_in_lifecycle_order():
    assert official_moves("ENVIADO") == (S.EN_EVALUACION,)
    assert official_moves("EN_EVALUACION") == (S.OBSERVADO, S.APROBADO, S.DENEGADO)
    assert official_moves("OBSERVADO") == (S.EN_EVALUACION, S.DENEGADO)
    for final in (S.APROBADO, S.DENEGADO, S.ANULADO, S.BORRADOR):
        assert official_moves(final) == ()


def _move(current, new, *, user_type="extranet", official="DIGESA", tramite="DIGESA", note="x"):
    return check_move(
        user_type=user_type,
        official_entity=official,
        tramite_entity=tramite,
        current=current,
        new=new,
        note=note,
    )


@pytest.mark.parametrize(("current", "new"), ALL_PAIRS, ids=lambda s: s.value)
def test_check_move_allows_exactly_the_officials_transitions(current, new):
    if (current, new) in OFFICIAL:
        assert _move(current.value, new.value.lower()) == (new, "x")
    else:
        with pytest.raises(MoveNotAllowed) as exc:
            _move(current.value, new.value)
        assert exc.value.message == messages.ERR_MOVE_INVALID.format(
            current=current.label, new=new.label
        )


@pytest.mark.parametrize("user_type", ["principal", "secondary"])
@pytest.mark.parametrize(("current", "new"), sorted(OFFICIAL))
def test_sol_users_never_move(user_type, current, new):
    with pytest.raises(MoveNotAllowed) as exc:
        _move(current, new, user_type=user_type)
    assert exc.value.message == messages.ERR_MOVE_NOT_OFFICIAL


@pytest.mark.parametrize("official", ["SENASA", "", None, "DIGESA SENASA"])
def test_an_official_of_another_entity_never_moves(official):
    with pytest.raises(MoveNotAllowed) as exc:
        _move("ENVIADO", "EN_EVALUACION", official=official)
    assert exc.value.message == messages.ERR_MOVE_OTHER_ENTITY.format(entity="DIGESA")


def test_entity_comparison_ignores_case_and_spaces():
    assert same_entity(" digesa ", "DIGESA")
    assert not same_entity("DIGESA", None)
    assert not same_entity("DIGES", "DIGESA")


@pytest.mark.parametrize("bad", ["", "APROBAD", "anything", None, 3, "BORRADOR"])
def test_unknown_or_impossible_target(bad):
    with pytest.raises(MoveNotAllowed):
        _move("EN_EVALUACION", bad)


@pytest.mark.parametrize("new", [S.OBSERVADO, S.DENEGADO])
@pytest.mark.parametrize("note", [None, "", "   ", 5])
def test_observing_or_denying_needs_a_reason(new, note):
    with pytest.raises(MoveNotAllowed) as exc:
        _move("EN_EVALUACION", new.value, note=note)
    assert exc.value.message == messages.ERR_MOVE_NOTE_REQUIRED.format(new=new.label)


def test_reason_is_trimmed_optional_elsewhere_and_bounded():
    assert _move("ENVIADO", "EN_EVALUACION", note=None) == (S.EN_EVALUACION, None)
    assert _move("EN_EVALUACION", "OBSERVADO", note="  falta   el  certificado ") == (
        S.OBSERVADO,
        "falta el certificado",
    )
    assert _move("EN_EVALUACION", "DENEGADO", note="x" * NOTE_MAX_LENGTH)[1] == "x" * 500
    with pytest.raises(MoveNotAllowed) as exc:
        _move("EN_EVALUACION", "DENEGADO", note="x" * (NOTE_MAX_LENGTH + 1))
    assert exc.value.message == messages.ERR_MOVE_NOTE_TOO_LONG.format(max_length=500)


def test_entities_and_defaults():
    assert parse_entity(None, "MERCANCIAS_RESTRINGIDAS") is Entity.DIGESA
    assert parse_entity("  ", Component.ORIGEN) is Entity.MINCETUR
    assert parse_entity("senasa", Component.MR) is Entity.SENASA
    assert set(DEFAULT_ENTITY) == set(Component)
    for bad in ("OTRA", 3):
        with pytest.raises(ValueError):
            parse_entity(bad, Component.MR)
    assert all(e.label.startswith(e.value + " — ") for e in Entity)


def test_move_notice():
    subject, body = move_notice("SUCE-000007", "SUCE", "DIGESA", S.OBSERVADO, "falta el CSA")
    assert subject == "SUCE-000007: Observado"
    assert body == (
        "Su SUCE SUCE-000007 fue actualizada por DIGESA y se encuentra en estado Observado. "
        "Motivo: falta el CSA"
    )
    assert (
        "Motivo" not in move_notice("CT-000001", "Consulta Técnica", "SENASA", S.APROBADO, None)[1]
    )
