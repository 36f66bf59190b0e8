"""The entry checks of domain.md §6.2 and the role table of §5.4."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vuce_client.domain import messages
from vuce_client.domain.entry_checks import (
    ENTRY_CHECKS,
    Allowed,
    Denied,
    EntryContext,
    Reason,
    run_entry_checks,
)
from vuce_client.domain.identity import identity_from_claims
from vuce_client.domain.roles import AGENTE_ADUANA, LABORATORIO, OPERACION, SUPERVISOR

OP, SUP, AG, LAB = OPERACION, SUPERVISOR, AGENTE_ADUANA, LABORATORIO
RUC = "20123456786"

# Literals copied from domain.md §6.3, so a change in the catalogue shows up here too.
MSG_1 = (
    "Usted no puede ingresar a la VUCE dado que el usuario no tiene roles registrados en la VUCE."
)
MSG_2 = (
    "Usted no puede ingresar a la VUCE dado que tiene asignado el rol de "
    "VUCE.USUARIO.AGENTE_ADUANA y VUCE.USUARIO.LABORATORIO simultáneamente."
)
MSG_3 = (
    f"Usted no puede ingresar a la VUCE dado que el usuario principal del RUC {RUC} aún no se ha "
    "autenticado y registrado en la VUCE."
)
MSG_4_AGENT = (
    "Usted ya fue registrado con el Rol VUCE.USUARIO.AGENTE_ADUANA y realizó por lo menos un "
    "trámite en la VUCE. No puede ingresar sin el rol VUCE.USUARIO.AGENTE_ADUANA"
)
MSG_4_LAB = (
    "Usted ya fue registrado con el Rol VUCE.USUARIO.LABORATORIO y realizó por lo menos un "
    "trámite en la VUCE. No puede ingresar sin el rol VUCE.USUARIO.LABORATORIO"
)
MSG_5 = "El Usuario no está activo"


def ctx(roles=(OP,), **kw) -> EntryContext:
    """A registered, active secondary user whose principal is registered, unless told."""
    base = dict(
        user_type="secondary",
        account_status="ACTIVO",
        roles=frozenset(roles),
        ruc=RUC,
        registered=True,
        registered_as=None,
        has_tramites=False,
        principal_registered=True,
    )
    base.update(kw)
    return EntryContext(**base)


def denied(decision, reason: Reason, number: int, message: str) -> Denied:
    assert isinstance(decision, Denied), decision
    assert decision.reason is reason
    assert decision.message_number == number
    assert decision.message == message
    assert decision.allowed is False and decision.opens_session is False
    return decision


# ---------------------------------------------------------------------------------------------
# §5.4 "Combination rules as VUCE enforces them at entry": every row.
# ---------------------------------------------------------------------------------------------

ROLE_TABLE = [
    # (row of the table, role set, expected reason or None when valid)
    ("empty", set(), Reason.NO_ROLES),
    ("agent+lab", {AG, LAB}, Reason.AGENT_AND_LAB),
    ("agent+lab+operacion", {AG, LAB, OP}, Reason.AGENT_AND_LAB),
    ("agent+lab+supervisor", {AG, LAB, SUP}, Reason.AGENT_AND_LAB),
    ("agent+lab+all", {AG, LAB, OP, SUP}, Reason.AGENT_AND_LAB),
    ("agent alone", {AG}, Reason.ROLE_WITHOUT_OPERACION),
    ("lab alone", {LAB}, Reason.ROLE_WITHOUT_OPERACION),
    ("agent+supervisor", {AG, SUP}, Reason.ROLE_WITHOUT_OPERACION),
    ("lab+supervisor", {LAB, SUP}, Reason.ROLE_WITHOUT_OPERACION),
    ("operacion", {OP}, None),
    ("supervisor", {SUP}, None),
    ("operacion+supervisor", {OP, SUP}, None),
    ("agent+operacion", {AG, OP}, None),
    ("lab+operacion", {LAB, OP}, None),
    ("supervisor+agent+operacion (Q9)", {SUP, AG, OP}, None),
    ("supervisor+lab+operacion (Q9)", {SUP, LAB, OP}, None),
]

EXPECTED_MESSAGE = {
    Reason.NO_ROLES: (1, MSG_1),
    Reason.AGENT_AND_LAB: (2, MSG_2),
    Reason.ROLE_WITHOUT_OPERACION: (3, MSG_3),
}


@pytest.mark.parametrize(
    ("roles", "reason"), [r[1:] for r in ROLE_TABLE], ids=[r[0] for r in ROLE_TABLE]
)
def test_role_table(roles, reason):
    section = "AGENTE_ADUANA" if AG in roles else "LABORATORIO" if LAB in roles else "EMPRESA"
    decision = run_entry_checks(ctx(roles, registered_as=section))
    if reason is None:
        assert decision == Allowed(False, None, section)
        assert decision.opens_session
    else:
        number, message = EXPECTED_MESSAGE[reason]
        denied(decision, reason, number, message)


# ---------------------------------------------------------------------------------------------
# Each of the five messages with its motivo and solución.
# ---------------------------------------------------------------------------------------------


def test_message_1_no_roles():
    d = denied(run_entry_checks(ctx(())), Reason.NO_ROLES, 1, MSG_1)
    assert d.motivo.startswith("El Usuario Secundario no tiene Roles asignados")
    assert d.solucion.endswith("según corresponda al Usuario Secundario")


def test_message_2_agent_and_lab():
    d = denied(run_entry_checks(ctx({AG, LAB, OP})), Reason.AGENT_AND_LAB, 2, MSG_2)
    assert d.motivo == messages.MESSAGE_2.motivos[0]


def test_message_3_second_motivo_role_without_operacion():
    d = denied(run_entry_checks(ctx({AG})), Reason.ROLE_WITHOUT_OPERACION, 3, MSG_3)
    assert d.motivo == (
        "El Usuario Secundario tiene asignado el Rol de Agente de Aduana o Laboratorio, pero no "
        "como Operador"
    )
    assert d.solucion.startswith("El Usuario Principal debe asignarle a este usuario Secundario")
    assert d.params == (RUC,)


def test_message_3_first_motivo_principal_not_registered():
    d = denied(
        run_entry_checks(ctx({AG, OP}, principal_registered=False)),
        Reason.PRINCIPAL_NOT_REGISTERED,
        3,
        MSG_3,
    )
    assert d.motivo == "El Usuario Principal aún no se ha autenticado y accesado al Sistema VUCE"
    assert d.solucion.startswith("El poseedor de la clave Sol Principal")


def test_message_4_agent_removed_with_tramites():
    c = ctx({OP}, registered_as="AGENTE_ADUANA", has_tramites=True)
    d = denied(run_entry_checks(c), Reason.ROLE_REMOVED_WITH_TRAMITES, 4, MSG_4_AGENT)
    assert d.motivo.startswith("Si el Usuario Secundario tenía ROL de Agente de Aduanas")
    assert d.params == (AG,)


def test_message_4_lab_removed_with_tramites():
    c = ctx({OP}, registered_as="LABORATORIO", has_tramites=True)
    d = denied(run_entry_checks(c), Reason.ROLE_REMOVED_WITH_TRAMITES, 4, MSG_4_LAB)
    assert d.motivo.startswith("Si el Usuario Secundario tenia ROL de Laboratorio")


@pytest.mark.parametrize(
    ("status", "reason", "motivo", "solucion"),
    [
        (
            "SUSPENDIDO",
            Reason.NOT_ACTIVE_SUSPENDED,
            "El Usuario Secundario ha sido Suspendido",
            "El Usuario Principal debe modificar el Estado de éste Usuario, dando clic en "
            "Reactivar",
        ),
        (
            "ELIMINADO",
            Reason.NOT_ACTIVE_DELETED,
            "El Usuario Secundario ha sido Eliminado",
            "El Usuario Principal debe crearle como Usuario Secundario nuevo",
        ),
    ],
)
def test_message_5_not_active(status, reason, motivo, solucion):
    d = denied(run_entry_checks(ctx(account_status=status)), reason, 5, MSG_5)
    assert d.motivo == motivo and d.solucion == solucion


# ---------------------------------------------------------------------------------------------
# Order of evaluation (§6.2).
# ---------------------------------------------------------------------------------------------


def test_check_order_is_pinned():
    assert [c.__name__ for c in ENTRY_CHECKS] == [
        "check_active",
        "check_has_roles",
        "check_not_agent_and_lab",
        "check_section_role_has_operacion",
        "check_registered_role_kept",
        "check_principal_registered",
    ]


def test_suspended_without_roles_gets_message_5_not_1():
    denied(
        run_entry_checks(ctx((), account_status="SUSPENDIDO")),
        Reason.NOT_ACTIVE_SUSPENDED,
        5,
        MSG_5,
    )


def test_deleted_agent_and_lab_gets_message_5():
    decision = run_entry_checks(ctx({AG, LAB}, account_status="ELIMINADO"))
    denied(decision, Reason.NOT_ACTIVE_DELETED, 5, MSG_5)


def test_agent_and_lab_without_operacion_gets_message_2_not_3():
    denied(run_entry_checks(ctx({AG, LAB})), Reason.AGENT_AND_LAB, 2, MSG_2)


def test_no_roles_beats_removed_role_with_tramites():
    c = ctx((), registered_as="AGENTE_ADUANA", has_tramites=True)
    denied(run_entry_checks(c), Reason.NO_ROLES, 1, MSG_1)


def test_without_operacion_beats_principal_not_registered():
    c = ctx({LAB}, principal_registered=False)
    denied(run_entry_checks(c), Reason.ROLE_WITHOUT_OPERACION, 3, MSG_3)


def test_removed_role_beats_principal_not_registered():
    c = ctx({LAB, OP}, registered_as="AGENTE_ADUANA", has_tramites=True, principal_registered=False)
    denied(run_entry_checks(c), Reason.ROLE_REMOVED_WITH_TRAMITES, 4, MSG_4_AGENT)


def test_first_denial_wins_over_later_checks():
    c = ctx({AG}, account_status="SUSPENDIDO", principal_registered=False)
    results = [check(c) for check in ENTRY_CHECKS]
    assert [r is not None for r in results] == [True, False, False, True, False, True]
    assert run_entry_checks(c) == results[0]


# ---------------------------------------------------------------------------------------------
# Principals skip 2–6; Extranet users only get the active check.
# ---------------------------------------------------------------------------------------------

SKIPPED_FOR_NON_SECONDARY = [
    ("no roles", dict(roles=())),
    ("agent+lab", dict(roles={AG, LAB})),
    ("agent without operacion", dict(roles={AG})),
    (
        "removed role with tramites",
        dict(roles=(), registered_as="AGENTE_ADUANA", has_tramites=True),
    ),
    ("principal not registered", dict(roles={AG, OP}, principal_registered=False)),
    ("require principal for all", dict(principal_registered=False, require_principal_for_all=True)),
]


@pytest.mark.parametrize(
    "kw", [k for _, k in SKIPPED_FOR_NON_SECONDARY], ids=[n for n, _ in SKIPPED_FOR_NON_SECONDARY]
)
def test_principal_skips_checks_2_to_6(kw):
    decision = run_entry_checks(ctx(**{**kw, "user_type": "principal"}))
    assert decision == Allowed(False, None, "EMPRESA")


@pytest.mark.parametrize(
    "kw", [k for _, k in SKIPPED_FOR_NON_SECONDARY], ids=[n for n, _ in SKIPPED_FOR_NON_SECONDARY]
)
def test_extranet_only_gets_the_active_check(kw):
    decision = run_entry_checks(ctx(**{**kw, "user_type": "extranet", "ruc": None}))
    assert decision == Allowed(False, None, None)


@pytest.mark.parametrize("user_type", ["principal", "extranet"])
@pytest.mark.parametrize("status", ["SUSPENDIDO", "ELIMINADO"])
def test_inactive_principal_and_extranet_get_message_5(user_type, status):
    decision = run_entry_checks(ctx(user_type=user_type, account_status=status))
    assert isinstance(decision, Denied) and decision.message_number == 5


def test_unregistered_principal_registers_without_sections():
    assert run_entry_checks(ctx({AG, OP}, user_type="principal", registered=False)) == Allowed(
        True, None, "EMPRESA"
    )


def test_unregistered_extranet_registers():
    decision = run_entry_checks(ctx(user_type="extranet", ruc=None, registered=False))
    assert decision == Allowed(True, None, None)
    assert not decision.opens_session


# ---------------------------------------------------------------------------------------------
# Step 7 and Q10.
# ---------------------------------------------------------------------------------------------


def test_new_company_user_goes_to_registration():
    decision = run_entry_checks(ctx({OP}, registered=False))
    assert decision == Allowed(True, None, "EMPRESA")
    assert not decision.opens_session


@pytest.mark.parametrize(("role", "section"), [(AG, "AGENTE_ADUANA"), (LAB, "LABORATORIO")])
def test_new_agent_or_lab_user_registers_with_its_section(role, section):
    decision = run_entry_checks(ctx({role, OP}, registered=False))
    assert decision == Allowed(True, section, section)


def test_q10_role_removed_with_zero_tramites_is_allowed_and_downgraded():
    decision = run_entry_checks(ctx({OP}, registered_as="AGENTE_ADUANA", has_tramites=False))
    assert decision == Allowed(False, None, "EMPRESA")
    assert decision.opens_session


def test_q10_role_added_after_registration_asks_for_the_section():
    decision = run_entry_checks(ctx({AG, OP}, registered_as="EMPRESA"))
    assert decision == Allowed(False, "AGENTE_ADUANA", "AGENTE_ADUANA")
    assert not decision.opens_session


def test_q10_role_switched_with_zero_tramites_asks_for_the_new_section():
    decision = run_entry_checks(ctx({LAB, OP}, registered_as="AGENTE_ADUANA"))
    assert decision == Allowed(False, "LABORATORIO", "LABORATORIO")


def test_role_kept_with_tramites_opens_the_session():
    decision = run_entry_checks(ctx({AG, OP}, registered_as="AGENTE_ADUANA", has_tramites=True))
    assert decision == Allowed(False, None, "AGENTE_ADUANA")
    assert decision.opens_session


def test_q3_company_user_with_unregistered_principal_is_allowed_by_default():
    assert isinstance(run_entry_checks(ctx({OP}, principal_registered=False)), Allowed)


def test_q3_flag_requires_the_principal_for_all():
    c = ctx({OP}, principal_registered=False, require_principal_for_all=True)
    denied(run_entry_checks(c), Reason.PRINCIPAL_NOT_REGISTERED, 3, MSG_3)


# ---------------------------------------------------------------------------------------------
# Building the context.
# ---------------------------------------------------------------------------------------------


def test_context_from_identity():
    ident = identity_from_claims(
        {
            "sub": "s",
            "user_type": "secondary",
            "ruc": RUC,
            "sol_username": "AGENTE01",
            "roles": [AG],
            "profiles": ["ADUANAS.VUCE"],
            "account_status": "ACTIVO",
        }
    )
    c = EntryContext.from_identity(
        ident, registered=True, registered_as=None, has_tramites=False, principal_registered=True
    )
    assert c.roles == {AG} and c.ruc == RUC
    assert run_entry_checks(c).reason is Reason.ROLE_WITHOUT_OPERACION


def test_context_normalizes_roles_and_enums():
    c = ctx(["OCE.PORTAL.IMPORTADOR", "VUCE.USUARIO.OPERACIÓN"], registered_as="EMPRESA")
    assert c.roles == {OP}
    assert c.registered_as == "EMPRESA"


@pytest.mark.parametrize(
    "kw",
    [
        dict(account_status="BLOQUEADO"),
        dict(user_type="admin"),
        dict(registered_as="OTRO"),
        dict(ruc=None),
        dict(ruc=""),
    ],
)
def test_context_rejects_bad_values(kw):
    with pytest.raises(ValueError):
        ctx(**kw)


def test_contingency_uses_the_last_known_snapshot():
    # Q15: the same checks on ultimos_roles / last status, no identity involved.
    last = ctx(roles=(), account_status="ACTIVO")
    denied(run_entry_checks(last), Reason.NO_ROLES, 1, MSG_1)
    assert isinstance(run_entry_checks(replace(last, roles=frozenset({OP}))), Allowed)


# ---------------------------------------------------------------------------------------------
# Properties over any role subset.
# ---------------------------------------------------------------------------------------------

NOISE = ["OCE.PORTAL.IMPORTADOR", "OTRA.APP.ADMIN"]

contexts = st.builds(
    ctx,
    roles=st.sets(st.sampled_from([OP, SUP, AG, LAB])),
    user_type=st.sampled_from(["principal", "secondary", "extranet"]),
    account_status=st.sampled_from(["ACTIVO", "SUSPENDIDO", "ELIMINADO"]),
    registered=st.booleans(),
    registered_as=st.sampled_from([None, "EMPRESA", "AGENTE_ADUANA", "LABORATORIO"]),
    has_tramites=st.booleans(),
    principal_registered=st.booleans(),
    require_principal_for_all=st.booleans(),
)


@given(contexts)
def test_decision_is_deterministic_and_denials_never_open_a_session(c):
    first, second = run_entry_checks(c), run_entry_checks(c)
    assert first == second
    if isinstance(first, Denied):
        assert first.opens_session is False and first.allowed is False
        entry = messages.ENTRY_MESSAGES[first.message_number]
        assert first.message == entry.render(*first.params)
        assert first.motivo in entry.motivos and first.solucion in entry.soluciones
    else:
        assert c.account_status == "ACTIVO"
        if first.opens_session:
            assert c.registered


@given(contexts, st.sets(st.sampled_from(NOISE), min_size=1))
def test_other_applications_roles_never_change_the_decision(c, noise):
    assert run_entry_checks(replace(c, roles=c.roles | noise)) == run_entry_checks(c)


@given(contexts)
def test_inactive_users_learn_nothing_about_their_roles(c):
    if c.account_status != "ACTIVO":
        assert run_entry_checks(c).message_number == 5


@given(contexts)
def test_agent_and_lab_together_is_always_refused_for_active_secondaries(c):
    if c.user_type == "secondary" and c.account_status == "ACTIVO" and {AG, LAB} <= c.roles:
        assert run_entry_checks(c).reason is Reason.AGENT_AND_LAB
