"""Profile catalogue and the timing of changes (domain.md §5.3, Q4, Q5)."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idp.domain import errors, messages, profiles
from idp.domain.profiles import VUCE_PROFILE, Assignment

T0 = datetime(2025, 1, 6, 9, 0, 0)
US = timedelta(microseconds=1)
NPDA = "ADUANAS.NPDA.AGENTE_ADUANA"
DRAWBACK = "OCE.DRAWBACK_WEB"
IMPORTADOR = "OCE.PORTAL.IMPORTADOR"

# --- catalogue ---


def test_catalogue_codes():
    assert profiles.PROFILE_CODES == (
        "ADUANAS.VUCE",
        "ADUANAS.NPDA.TRANSPORTISTA",
        "ADUANAS.NPDA.AGENTE_CARGA",
        "ADUANAS.NPDA.DEPOSITO_TEMPORAL",
        "ADUANAS.NPDA.AGENTE_ADUANA",
        "ADUANAS.NPDA.PROVEEDOR_SOFTWARE",
        "OCE.PORTAL.TRANSPORTISTA",
        "OCE.PORTAL.AGENTE_CARGA_INTERNACIONAL",
        "OCE.PORTAL.DEPOSITO_TEMPORAL",
        "OCE.PORTAL.DESPACHADOR_ADUANA",
        "OCE.PORTAL.IMPORTADOR",
        "OCE.PORTAL.EXPORTADOR",
        "OCE.PORTAL.PROVEEDOR_SOFTWARE",
        "OCE.DRAWBACK_WEB",
    )
    assert VUCE_PROFILE == "ADUANAS.VUCE"


def test_vuce_option_is_under_mis_tramites_aduaneros():
    vuce = profiles.get_option(VUCE_PROFILE)
    assert (vuce.group_label, vuce.label, vuce.requires_roles) == (
        "Mis trámites aduaneros",
        "VUCE",
        True,
    )


def test_only_drawback_web_needs_no_roles():
    assert [o.code for o in profiles.CATALOGUE if not o.requires_roles] == [DRAWBACK]
    assert profiles.get_option(DRAWBACK).label == "Drawback Web"
    assert not profiles.requires_roles([DRAWBACK])
    assert profiles.requires_roles([DRAWBACK, IMPORTADOR])
    assert not profiles.requires_roles([])


def test_groups_for_the_two_panel_screen():
    groups = profiles.groups()
    assert [g.label for g in groups] == [
        "Mis trámites aduaneros",
        "Mis Trámites Aduaneros (NPDA-NSIGAD)",
        "Portal del Operador de Comercio Exterior",
    ]
    assert [len(g.options) for g in groups] == [1, 5, 8]
    assert [o for g in groups for o in g.options] == list(profiles.CATALOGUE)
    for group in groups:
        assert all(o.group_label == group.label for o in group.options)


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], ()),
        ([VUCE_PROFILE], (VUCE_PROFILE,)),
        ([IMPORTADOR, VUCE_PROFILE, IMPORTADOR], (VUCE_PROFILE, IMPORTADOR)),
        ({DRAWBACK, NPDA}, (NPDA, DRAWBACK)),
        (VUCE_PROFILE, (VUCE_PROFILE,)),  # one code given as a bare string
        ([f" {VUCE_PROFILE} "], (VUCE_PROFILE,)),
    ],
)
def test_validate_profile_codes(codes, expected):
    assert profiles.validate_profile_codes(codes) == expected


@pytest.mark.parametrize(
    "codes",
    [["ADUANAS.NOPE"], [VUCE_PROFILE, "aduanas.vuce"], ["VUCE"], [""], [None], [42]],
)
def test_unknown_profile_codes(codes):
    with pytest.raises(errors.UnknownProfile) as info:
        profiles.validate_profile_codes(codes)
    assert info.value.code == "UNKNOWN_PROFILE" and info.value.status == 422


def test_unknown_profile_message_names_the_code():
    with pytest.raises(errors.UnknownProfile) as info:
        profiles.get_option("ADUANAS.NOPE")
    assert info.value.message == "El perfil ADUANAS.NOPE no existe."


@pytest.mark.parametrize(
    ("user_type", "effective", "ok"),
    [
        ("principal", set(), True),
        ("secondary", {VUCE_PROFILE}, True),
        ("secondary", {VUCE_PROFILE, IMPORTADOR}, True),
        ("secondary", {IMPORTADOR, DRAWBACK}, False),
        ("secondary", set(), False),
        ("extranet", set(), True),
    ],
)
def test_vuce_gate(user_type, effective, ok):
    assert profiles.has_vuce_access(user_type, effective) is ok


@pytest.mark.parametrize(
    ("user_type", "ok"), [("principal", True), ("secondary", False), ("extranet", True)]
)
def test_the_gate_asks_for_the_clients_required_profile(user_type, ok):
    assert profiles.has_vuce_access(user_type, {VUCE_PROFILE}, required=DRAWBACK) is ok
    assert profiles.has_vuce_access(user_type, {DRAWBACK}, required=DRAWBACK)


# --- effective set ---


def test_effective_profiles_half_open_windows():
    rows = [
        (VUCE_PROFILE, T0, None),
        (IMPORTADOR, T0, T0 + timedelta(hours=1)),
        Assignment(DRAWBACK, T0 + timedelta(hours=1)),
    ]
    assert profiles.effective_profiles(rows, T0 - US) == frozenset()
    assert profiles.effective_profiles(rows, T0) == {VUCE_PROFILE, IMPORTADOR}
    assert profiles.effective_profiles(rows, T0 + timedelta(hours=1) - US) == {
        VUCE_PROFILE,
        IMPORTADOR,
    }
    assert profiles.effective_profiles(rows, T0 + timedelta(hours=1)) == {VUCE_PROFILE, DRAWBACK}


def test_effective_profiles_reads_orm_like_rows():
    class Row:
        def __init__(self, code, effective_from, effective_until=None):
            self.code = code
            self.effective_from = effective_from
            self.effective_until = effective_until

    rows = [Row(VUCE_PROFILE, T0), Row(IMPORTADOR, T0, T0)]
    assert profiles.effective_profiles(rows, T0) == {VUCE_PROFILE}


def test_creation_profiles_are_effective_at_once():
    rows = profiles.initial_assignments([VUCE_PROFILE, IMPORTADOR], T0)  # Q4: no delay
    assert rows == (Assignment(VUCE_PROFILE, T0), Assignment(IMPORTADOR, T0))
    assert profiles.effective_profiles(rows, T0) == {VUCE_PROFILE, IMPORTADOR}
    with pytest.raises(errors.UnknownProfile):
        profiles.initial_assignments(["NOPE"], T0)


@pytest.mark.parametrize(
    ("delay", "message"),
    [(3600, messages.PROFILES_CHANGED), (0, messages.PROFILES_CHANGED_NOW)],
)
def test_confirmation_message(delay, message):
    assert profiles.confirmation_message(delay) == message


# --- reschedule: also correct when a change is saved while another is pending ---


@pytest.mark.parametrize("delay", [0, 3600])
def test_reschedule_simple_change(delay):
    rows = profiles.initial_assignments([VUCE_PROFILE, IMPORTADOR], T0)
    saved_at = T0 + timedelta(hours=5)
    boundary = saved_at + timedelta(seconds=delay)
    new_rows = profiles.reschedule(rows, [VUCE_PROFILE, DRAWBACK], saved_at, delay)
    assert sorted(new_rows) == sorted(
        [
            Assignment(VUCE_PROFILE, T0, None),
            Assignment(IMPORTADOR, T0, boundary),
            Assignment(DRAWBACK, boundary, None),
        ]
    )


def test_reschedule_cancels_a_pending_addition_that_is_deselected():
    rows = profiles.initial_assignments([VUCE_PROFILE], T0)
    t1 = T0 + timedelta(hours=1)
    rows = profiles.reschedule(rows, [VUCE_PROFILE, IMPORTADOR], t1, 3600)  # IMPORTADOR at t1+1h
    t2 = t1 + timedelta(minutes=30)
    rows = profiles.reschedule(rows, [VUCE_PROFILE], t2, 3600)  # changed mind
    # Each save takes effect one delay after it was made: the first one at t1+1h, the
    # second at t2+1h, which ends IMPORTADOR again. A plan made from the effective set alone
    # would have missed the pending row (IMPORTADOR was not yet effective at t2) and left it
    # open for ever.
    assert profiles.effective_profiles(rows, t2) == {VUCE_PROFILE}
    assert profiles.effective_profiles(rows, t1 + timedelta(hours=1)) == {VUCE_PROFILE, IMPORTADOR}
    assert profiles.effective_profiles(rows, t2 + timedelta(hours=1)) == {VUCE_PROFILE}
    assert profiles.effective_profiles(rows, t2 + timedelta(days=1)) == {VUCE_PROFILE}


def test_reschedule_reopens_a_pending_removal_that_is_reselected():
    rows = profiles.initial_assignments([VUCE_PROFILE, IMPORTADOR], T0)
    t1 = T0 + timedelta(hours=1)
    rows = profiles.reschedule(rows, [VUCE_PROFILE], t1, 3600)  # IMPORTADOR ends at t1+1h
    t2 = t1 + timedelta(minutes=10)
    rows = profiles.reschedule(rows, [VUCE_PROFILE, IMPORTADOR], t2, 3600)  # re-selected
    assert profiles.effective_profiles(rows, t2) == {VUCE_PROFILE, IMPORTADOR}
    assert profiles.effective_profiles(rows, t1 + timedelta(hours=1)) == {VUCE_PROFILE}
    assert profiles.effective_profiles(rows, t2 + timedelta(hours=1)) == {VUCE_PROFILE, IMPORTADOR}
    assert profiles.effective_profiles(rows, t2 + timedelta(days=1)) == {VUCE_PROFILE, IMPORTADOR}


def test_reschedule_with_zero_delay_replaces_pending_rows_at_once():
    rows = profiles.initial_assignments([VUCE_PROFILE], T0)
    rows = profiles.reschedule(rows, [VUCE_PROFILE, IMPORTADOR], T0 + timedelta(minutes=1), 3600)
    t2 = T0 + timedelta(minutes=2)
    rows = profiles.reschedule(rows, [DRAWBACK], t2, 0)
    assert profiles.effective_profiles(rows, t2) == {DRAWBACK}
    assert profiles.effective_profiles(rows, t2 + timedelta(hours=2)) == {DRAWBACK}


def test_reschedule_keeps_history():
    old = Assignment(DRAWBACK, T0 - timedelta(days=10), T0 - timedelta(days=5))
    rows = profiles.reschedule([old, Assignment(VUCE_PROFILE, T0)], [VUCE_PROFILE], T0, 3600)
    assert old in rows


ROW_TIMES = st.integers(min_value=0, max_value=20).map(lambda m: T0 + timedelta(minutes=10 * m))
CODES = st.sampled_from([VUCE_PROFILE, IMPORTADOR, DRAWBACK, NPDA])


@st.composite
def schedules(draw):
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(ROW_TIMES)
        until = draw(st.one_of(st.none(), ROW_TIMES))
        rows.append(Assignment(draw(CODES), start, until))
    return rows


@given(
    schedules(),
    st.sets(CODES),
    ROW_TIMES,
    st.sampled_from([0, 600, 3600]),
    st.integers(min_value=-30, max_value=300),
)
def test_reschedule_changes_nothing_before_the_boundary_and_everything_after(
    rows, new, saved_at, delay, probe_minutes
):
    boundary = saved_at + timedelta(seconds=delay)
    result = profiles.reschedule(rows, new, saved_at, delay)
    probe = boundary + timedelta(minutes=probe_minutes)
    if probe < boundary:
        assert profiles.effective_profiles(result, probe) == profiles.effective_profiles(
            rows, probe
        )
    else:
        assert profiles.effective_profiles(result, probe) == frozenset(new)
    # Just before and exactly at the boundary.
    before = boundary - US
    assert profiles.effective_profiles(result, before) == profiles.effective_profiles(rows, before)
    assert profiles.effective_profiles(result, boundary) == frozenset(new)


def test_reschedule_validates_codes_and_delay():
    with pytest.raises(errors.UnknownProfile):
        profiles.reschedule([], ["NOPE"], T0, 0)
    with pytest.raises(ValueError):
        profiles.reschedule([], [], T0, -1)


def test_next_change_is_the_first_boundary_after_now():
    rows = profiles.reschedule(
        profiles.initial_assignments([VUCE_PROFILE, IMPORTADOR], T0), [VUCE_PROFILE], T0, 3600
    )
    assert profiles.next_change(rows, T0) == T0 + timedelta(hours=1)
    assert profiles.next_change(rows, T0 + timedelta(hours=1)) is None
    assert profiles.next_change([], T0) is None


@given(schedules(), ROW_TIMES)
def test_the_effective_set_holds_until_the_next_change(rows, now):
    until = profiles.next_change(rows, now)
    if until is None:
        later = [now + timedelta(days=d) for d in (1, 365)]
    else:
        later = [until - US] if until - US >= now else []
    for t in later:
        assert profiles.effective_profiles(rows, t) == profiles.effective_profiles(rows, now)
