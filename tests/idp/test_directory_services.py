"""Directory services against the database: every rule path of §5 (profiles, roles, states,
password, limits, listing) as the screens, the API and the CLI reach it."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from idp.domain import errors
from idp.services import accounts, audit, directory, passwords, seed, sessions, tokens
from idp.storage import db
from idp.storage.audit import AuditEvent
from idp.storage.db import utcnow
from idp.storage.identities import ProfileAssignment, RoleAssignment
from tests.support.sol_api import bulk_users

RUC = "20123456786"
VUCE = "ADUANAS.VUCE"
DRAWBACK = "OCE.DRAWBACK_WEB"
OPERACION = "VUCE.USUARIO.OPERACION"
SUPERVISOR = "VUCE.USUARIO.SUPERVISOR"
ACTOR = f"principal:{RUC}"


@pytest.fixture
def ctx(idp):
    """An app context on the live IdP with one RUC and one ACTIVO user OPERADO1."""
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1")
    with idp.app.app_context():
        yield idp
        db.session.rollback()


def user():
    return directory.get_secondary_user(RUC, "OPERADO1")


# --- profiles ----------------------------------------------------------------------------------


def test_profile_change_without_delay_is_immediate(ctx):
    view = directory.change_profiles(
        RUC, "OPERADO1", [DRAWBACK, VUCE], actor=ACTOR, delay_seconds=0
    )
    db.session.commit()
    assert view.profiles == (VUCE, DRAWBACK)
    assert accounts.effective_profiles(user().id) == (VUCE, DRAWBACK)


def test_profile_change_with_delay_keeps_the_previous_set_until_then(ctx):
    now = utcnow()
    view = directory.change_profiles(
        RUC, "OPERADO1", [DRAWBACK], actor=ACTOR, now=now, delay_seconds=3600
    )
    db.session.commit()
    assert view.profiles == (VUCE,)  # removal waits too
    assert view.scheduled_profiles == (DRAWBACK,)
    assert view.profiles_effective_at == now + timedelta(seconds=3600)
    uid = user().id
    assert accounts.effective_profiles(uid, now + timedelta(seconds=3599)) == (VUCE,)
    assert accounts.effective_profiles(uid, now + timedelta(seconds=3600)) == (DRAWBACK,)
    # A second change while the first is pending replaces it; history rows survive.
    later = now + timedelta(seconds=60)
    directory.change_profiles(
        RUC, "OPERADO1", [VUCE, DRAWBACK], actor=ACTOR, now=later, delay_seconds=3600
    )
    db.session.commit()
    assert accounts.effective_profiles(uid, later + timedelta(seconds=10)) == (VUCE,)
    assert accounts.effective_profiles(uid, later + timedelta(seconds=3600)) == (VUCE, DRAWBACK)


def test_profile_delay_comes_from_settings(ctx):
    ctx.app.config["PROFILE_DELAY_SECONDS"] = 120
    try:
        view = directory.change_profiles(RUC, "OPERADO1", [], actor=ACTOR)
    finally:
        ctx.app.config["PROFILE_DELAY_SECONDS"] = 0
    assert view.profiles == (VUCE,)
    assert view.scheduled_profiles == ()


def test_profiles_only_while_activo_and_only_known_codes(ctx):
    with pytest.raises(errors.UnknownProfile):
        directory.change_profiles(RUC, "OPERADO1", ["NADA"], actor=ACTOR)
    directory.change_status(RUC, "OPERADO1", "suspend", actor=ACTOR)
    with pytest.raises(errors.ProfilesNotEditable):
        directory.change_profiles(RUC, "OPERADO1", [VUCE], actor=ACTOR)
    directory.change_status(RUC, "OPERADO1", "delete", actor=ACTOR)
    with pytest.raises(errors.UserDeleted):
        directory.change_profiles(RUC, "OPERADO1", [VUCE], actor=ACTOR)


# --- roles -------------------------------------------------------------------------------------


def test_roles_replace_at_once_and_keep_history(ctx):
    view = directory.change_roles(
        RUC, "OPERADO1", [SUPERVISOR, "VUCE.USUARIO.OPERACIÓN"], actor=ACTOR
    )
    assert view.roles == (OPERACION, SUPERVISOR)
    view = directory.change_roles(RUC, "OPERADO1", [SUPERVISOR], actor=ACTOR)
    db.session.commit()
    assert view.roles == (SUPERVISOR,)
    rows = db.session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == user().id)
    ).all()
    revoked = [r for r in rows if r.revoked_at is not None]
    assert [r.role for r in revoked] == [OPERACION]
    assert accounts.current_roles(user().id) == (SUPERVISOR,)


def test_roles_accept_any_combination_but_only_known_codes(ctx):
    both = ["VUCE.USUARIO.AGENTE_ADUANA", "VUCE.USUARIO.LABORATORIO"]
    assert directory.change_roles(RUC, "OPERADO1", both, actor=ACTOR).roles == tuple(both)
    with pytest.raises(errors.UnknownRole):
        directory.change_roles(RUC, "OPERADO1", ["VUCE.USUARIO.JEFE"], actor=ACTOR)


def test_roles_only_while_activo(ctx):
    directory.change_status(RUC, "OPERADO1", "suspend", actor=ACTOR)
    with pytest.raises(errors.RolesNotEditable):
        directory.change_roles(RUC, "OPERADO1", [], actor=ACTOR)


# --- states ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,final",
    [
        (["suspend"], "SUSPENDIDO"),
        (["suspend", "reactivate"], "ACTIVO"),
        (["delete"], "ELIMINADO"),
        (["suspend", "delete"], "ELIMINADO"),
        (["Suspender", "Reactivar", "Eliminar"], "ELIMINADO"),
    ],
)
def test_allowed_transitions(ctx, path, final):
    for action in path:
        view, _ = directory.change_status(RUC, "OPERADO1", action, actor=ACTOR)
    assert view.user.status == final


@pytest.mark.parametrize(
    "path,bad,error",
    [
        ([], "reactivate", errors.InvalidStatusTransition),
        (["suspend"], "suspend", errors.InvalidStatusTransition),
        (["delete"], "reactivate", errors.UserDeleted),
        (["delete"], "delete", errors.UserDeleted),
        (["delete"], "suspend", errors.UserDeleted),
        ([], "archive", errors.InvalidStatusAction),
    ],
)
def test_rejected_transitions(ctx, path, bad, error):
    for action in path:
        directory.change_status(RUC, "OPERADO1", action, actor=ACTOR)
    with pytest.raises(error):
        directory.change_status(RUC, "OPERADO1", bad, actor=ACTOR)


def test_suspension_ends_sso_sessions_and_revokes_tokens(ctx):
    key = accounts.secondary_key(RUC, "OPERADO1")
    s = sessions.create(ctx.store, key, 600)
    tokens.save(
        {"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 600, "scope": "openid"},
        client_id="c",
        account=key,
        family="f1",
        refresh_ttl=600,
    )
    view, _ = directory.change_status(RUC, "OPERADO1", "suspend", actor=ACTOR)
    db.session.commit()
    assert view.actions == ("reactivate", "delete")
    assert sessions.get(ctx.store, s.sid) is None
    assert tokens.by_refresh("rt-1").revoked
    assert tokens.by_access("at-1") is None


def test_reactivation_keeps_profiles_and_roles(ctx):
    directory.change_status(RUC, "OPERADO1", "suspend", actor=ACTOR)
    view, _ = directory.change_status(RUC, "OPERADO1", "reactivate", actor=ACTOR)
    assert (view.profiles, view.roles) == ((VUCE,), (OPERACION,))


# --- creation limits ---------------------------------------------------------------------------


def test_user_codes_are_never_reused(ctx):
    directory.change_status(RUC, "OPERADO1", "delete", actor=ACTOR)
    with pytest.raises(errors.UsernameTaken):
        directory.create_secondary_user(
            RUC,
            username="operado1",
            password="Clave123",
            document_type="DNI",
            document_number="45678901",
            actor=ACTOR,
        )


def test_limit_counts_activo_and_suspendido_only(ctx):
    bulk_users(ctx, RUC, 998, prefix="A")
    bulk_users(ctx, RUC, 1, prefix="S", status="SUSPENDIDO")
    bulk_users(ctx, RUC, 5, prefix="E", status="ELIMINADO")
    assert directory.non_deleted_count(RUC) == 1000
    with pytest.raises(errors.UserLimitReached):
        directory.create_secondary_user(
            RUC,
            username="NUEVO001",
            password="Clave123",
            document_type="DNI",
            document_number="45678901",
            actor=ACTOR,
        )


def test_unknown_taxpayer_and_user(ctx):
    with pytest.raises(directory.TaxpayerNotFound):
        directory.create_secondary_user(
            "20600000013",
            username="NUEVO001",
            password="Clave123",
            document_type="DNI",
            document_number="45678901",
            actor=ACTOR,
        )
    with pytest.raises(directory.UserNotFound):
        directory.change_status(RUC, "NOEXISTE", "suspend", actor=ACTOR)
    with pytest.raises(errors.InvalidRuc):
        directory.get_taxpayer("20123456787")


# --- password ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old,new,confirm,error",
    [
        ("Mala1234", "Nueva123", "Nueva123", errors.OldPasswordIncorrect),
        ("Clave123", "corta1", "corta1", errors.InvalidPassword),
        ("Clave123", "Nueva123", "Nueva124", errors.PasswordConfirmationMismatch),
        ("Clave123", "Clave123", "Clave123", errors.PasswordUnchanged),
    ],
)
def test_password_change_rules(ctx, old, new, confirm, error):
    with pytest.raises(error):
        directory.change_password(
            RUC, "OPERADO1", old_password=old, new_password=new, confirmation=confirm
        )


def test_password_change_clears_the_reminder(ctx):
    assert user().must_change_password is True
    directory.change_password(
        RUC, "OPERADO1", old_password="Clave123", new_password="Nueva123", confirmation="Nueva123"
    )
    db.session.commit()
    assert user().must_change_password is False
    assert passwords.verify_password(user().password_hash, "Nueva123")
    assert not passwords.verify_password(user().password_hash, "Clave123")


# --- listing and audit -------------------------------------------------------------------------


def test_listing_uses_a_fixed_number_of_queries(ctx):
    bulk_users(ctx, RUC, 300)
    statements = []
    me = threading.get_ident()

    def count(*_args):
        if threading.get_ident() == me:  # the live server shares the engine from its threads
            statements.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = directory.list_secondary_users(RUC, per_page=200)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(page.items) == 200 and page.total == 301
    assert len(statements) <= 5  # taxpayer, count, page, profiles, roles: never one per user


def test_listing_shows_effective_profiles_and_search(ctx):
    directory.create_secondary_user(
        RUC,
        username="CEXTRA01",
        password="Clave123",
        document_type="CE",
        document_number="X12345",
        names="Gómez Rivas, Lucía",
        actor=ACTOR,
    )
    page = directory.list_secondary_users(RUC, query="lucía")
    assert [v.user.username for v in page.items] == ["CEXTRA01"]
    page = directory.list_secondary_users(RUC, query="x123")
    assert [v.user.username for v in page.items] == ["CEXTRA01"]
    page = directory.list_secondary_users(RUC)
    assert {v.user.username: v.profiles for v in page.items}["OPERADO1"] == (VUCE,)


def test_every_change_is_audited_with_before_and_after(ctx):
    directory.change_profiles(RUC, "OPERADO1", [DRAWBACK], actor=ACTOR, delay_seconds=0)
    directory.change_roles(RUC, "OPERADO1", [SUPERVISOR], actor=ACTOR)
    directory.change_status(RUC, "OPERADO1", "suspend", actor=ACTOR)
    directory.change_status(RUC, "OPERADO1", "reactivate", actor=ACTOR)
    directory.change_password(
        RUC, "OPERADO1", old_password="Clave123", new_password="Nueva123", confirmation="Nueva123"
    )
    db.session.commit()
    events, total = audit.history(RUC)
    actions = [e.action for e in reversed(events)]
    assert actions == [
        "TAXPAYER_CREATED",
        "USER_CREATED",
        "PROFILES_CHANGED",
        "ROLES_CHANGED",
        "STATUS_CHANGED",
        "STATUS_CHANGED",
        "PASSWORD_CHANGED",
    ]
    assert total == 7
    roles_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ROLES_CHANGED"))
    assert roles_event.before == {"roles": [OPERACION]}
    assert roles_event.after == {"roles": [SUPERVISOR]}
    assert roles_event.actor == ACTOR and roles_event.target == "OPERADO1"


# --- seed --------------------------------------------------------------------------------------

SEED = """
taxpayers:
  - ruc: "20600000013"
    company_name: AGENCIA DE ADUANAS DEL SUR S.A.
    is_customs_agent: true
    principal: {username: AGENCIA1, password: Clave123}
    users:
      - {username: DESPACH1, password: Clave123, document_type: DNI,
         document_number: "41234567", profiles: [ADUANAS.VUCE],
         roles: [VUCE.USUARIO.AGENTE_ADUANA, VUCE.USUARIO.OPERACION]}
      - {username: VACACIO1, password: Clave123, document_type: DNI,
         document_number: "41234568", status: SUSPENDIDO}
extranet_users:
  - {username: EXT0001, password: Clave123, names: Rosa Quispe, entity: DIGESA}
laboratories:
  - {ruc: "20500000008", name: LABORATORIO DEL MAR}
clients:
  - {client_id: seeded-rp, secret: s3cret, redirect_uris: ["http://127.0.0.1:9/cb"]}
"""


def test_seed_command_loads_everything_and_is_repeatable(idp, tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text(SEED, encoding="utf-8")
    runner = idp.app.test_cli_runner()
    result = runner.invoke(args=["seed", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "taxpayers=1" in result.output and "users=2" in result.output
    again = runner.invoke(args=["seed", "--file", str(path)])
    assert again.exit_code == 0 and "taxpayers_skipped=1" in again.output
    with idp.app.app_context():
        assert directory.get_secondary_user("20600000013", "VACACIO1").status == "SUSPENDIDO"
        view = directory.user_view(directory.get_secondary_user("20600000013", "DESPACH1"))
        assert view.roles == ("VUCE.USUARIO.AGENTE_ADUANA", OPERACION)
        assert directory.get_laboratory("20500000008").name == "LABORATORIO DEL MAR"
        assert accounts.find_extranet("EXT0001") is not None
        assert db.session.scalar(select(ProfileAssignment.code)) == VUCE


def test_seed_rejects_unknown_fields(idp, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"taxpayers": [{"ruc": "20600000013", "razon": "x"}]}', encoding="utf-8")
    result = idp.app.test_cli_runner().invoke(args=["seed", "--file", str(path)])
    assert result.exit_code != 0
    assert "razon" in result.output
    with pytest.raises(seed.SeedError):
        seed.load({"nada": []})


def test_cli_users_create_uses_the_same_rules(idp):
    idp.create_taxpayer(RUC)
    runner = idp.app.test_cli_runner()
    args = [
        "users",
        "create",
        "--ruc",
        RUC,
        "--username",
        "CLIUSER1",
        "--password",
        "Clave123",
        "--document-type",
        "DNI",
        "--document-number",
        "41234567",
        "--profile",
        VUCE,
        "--role",
        OPERACION,
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "USERNAME_TAKEN" in again.output
