"""Lockout policy, audit codes, error catalogue and the verbatim Spanish messages."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idp.domain import audit, errors, messages
from idp.domain.audit import AuditAction
from idp.domain.lockout import Gate, LockoutPolicy

# --- lockout ---


def test_default_policy():
    policy = LockoutPolicy()
    assert (policy.max_failures, policy.window_seconds, policy.lock_seconds) == (5, 900, 900)
    assert policy.lock_minutes == 15


@pytest.mark.parametrize(
    ("failures", "locked"),
    [(None, False), (0, False), (1, False), (4, False), (5, True), (9, True)],
)
def test_is_locked(failures, locked):
    assert LockoutPolicy().is_locked(failures) is locked


def test_store_values_as_bytes_count():
    # A TTL store returns counters as bytes; int() of b"5" works, and None means no failures.
    assert LockoutPolicy().is_locked(int(b"5"))


@pytest.mark.parametrize(("count", "starts"), [(1, False), (4, False), (5, True), (6, False)])
def test_locks_now_only_on_the_locking_failure(count, starts):
    assert LockoutPolicy().locks_now(count) is starts


@pytest.mark.parametrize(("count", "starts"), [(5, False), (49, False), (50, True), (51, False)])
def test_the_account_lock_starts_on_the_failure_that_reaches_its_threshold(count, starts):
    assert LockoutPolicy().account_locks_now(count) is starts


def test_lock_minutes_round_up():
    assert LockoutPolicy(lock_seconds=61).lock_minutes == 2


@pytest.mark.parametrize(
    "kwargs", [{"max_failures": 0}, {"window_seconds": 0}, {"lock_seconds": -1}]
)
def test_policy_settings_must_be_positive(kwargs):
    with pytest.raises(ValueError):
        LockoutPolicy(**kwargs)


@given(st.integers(1, 20), st.integers(0, 40))
def test_locked_exactly_from_the_threshold(threshold, failures):
    policy = LockoutPolicy(max_failures=threshold)
    assert policy.is_locked(failures) is (failures >= threshold)
    assert policy.locks_now(failures) is (failures == threshold)


# --- audit ---


def test_audit_codes():
    assert [a.value for a in AuditAction] == [
        "USER_CREATED",
        "PROFILES_CHANGED",
        "ROLES_CHANGED",
        "STATUS_CHANGED",
        "PASSWORD_CHANGED",
        "TAXPAYER_CREATED",
        "EXTRANET_USER_CREATED",
        "EXTRANET_STATUS_CHANGED",
        "LAB_REGISTERED",
        "LOGIN_FAILED",
        "LOGIN_LOCKED",
        "KEY_ROTATED",
        "CLIENT_REGISTERED",
        "OUTAGE_MODE_SET",
    ]
    assert f"{AuditAction.USER_CREATED}" == "USER_CREATED"


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_audit_action_has_a_spanish_label(action):
    assert action.label and action.label != action.value
    assert audit.label_for(action.value) == action.label


def test_unknown_audit_codes_show_as_they_are():
    assert audit.label_for("SOMETHING_NEW") == "SOMETHING_NEW"


# --- errors ---


@pytest.mark.parametrize("cls", errors.ALL_ERRORS)
def test_every_error_has_code_status_and_spanish_message(cls):
    assert issubclass(cls, errors.DomainError)
    assert re.fullmatch(r"[A-Z][A-Z_]+", cls.code)
    assert cls.status in (409, 422)
    err = cls()
    assert err.message == cls.message  # no parameters: the template, placeholders kept
    assert err.to_dict() == {"error": cls.code, "message": err.message}


def test_error_codes_are_unique():
    codes = [cls.code for cls in errors.ALL_ERRORS]
    assert len(codes) == len(set(codes))


def test_every_error_class_is_listed():
    defined = {
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, errors.DomainError)
    }
    assert defined - {errors.DomainError} == set(errors.ALL_ERRORS)


def test_message_placeholders_and_private_detail():
    err = errors.UsernameTaken("typed=abcd1234 by 1.2.3.4", username="ABCD1234")
    assert err.message == (
        "El usuario ABCD1234 ya fue utilizado en este RUC y no puede volver a asignarse."
    )
    assert "1.2.3.4" not in err.to_dict()["message"]
    assert err.detail == "typed=abcd1234 by 1.2.3.4"
    # A missing placeholder never makes rendering fail.
    assert "{username}" in errors.UsernameTaken().message


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (errors.UserLimitReached, 409),
        (errors.UsernameTaken, 409),
        (errors.UserDeleted, 409),
        (errors.InvalidStatusTransition, 409),
        (errors.ProfilesNotEditable, 409),
        (errors.RolesNotEditable, 409),
        (errors.InvalidRuc, 422),
        (errors.InvalidPassword, 422),
        (errors.UnknownProfile, 422),
        (errors.UnknownRole, 422),
    ],
)
def test_status_convention(cls, status):
    assert cls.status == status


# --- messages verbatim from domain.md ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            messages.SECONDARY_USER_CREATED,
            "El usuario secundario y sus perfiles han sido registrados satisfactoriamente.",
        ),
        (
            messages.PROFILES_CHANGED,
            "El Usuario Secundario y sus Perfiles han sido registrados satisfactoriamente. "
            "Usted Podrá utilizarlos en aproximadamente una hora",
        ),
        (messages.ROLES_ASSIGNED, "Se ha asignado los roles correctamente al usuario"),
        (messages.STATUS_CHANGED, "Modificación de Estado(s) realizado(s) satisfactoriamente"),
        (messages.DELETE_IRREVERSIBLE, "La eliminación no se puede revertir. Está seguro?"),
        (messages.LOGIN_TITLE, "Ingrese su Clave SOL (RUC, USUARIO y CLAVE)"),
    ],
)
def test_verbatim_messages(text, expected):
    assert text == expected


def test_login_failure_text_does_not_say_which_field():
    assert messages.LOGIN_FAILED == "El RUC, usuario o clave ingresados no son correctos."
    assert "{minutes}" in messages.LOGIN_LOCKED
    assert messages.LOGIN_LOCKED.format(minutes=15).endswith("15 minutos.")
    assert "Clave" in messages.PASSWORD_CHANGE_REMINDER


# --- per account and source, captcha, across sources (issue #16) ---


@pytest.mark.parametrize(
    "source,account,gate",
    [
        (0, 0, Gate.OPEN),
        (0, 2, Gate.OPEN),
        (0, 3, Gate.CAPTCHA),  # failures from anywhere: a captcha, never a lock
        (4, 4, Gate.CAPTCHA),
        (5, 5, Gate.LOCKED),  # this source guessed too much on this account
        (0, 49, Gate.CAPTCHA),
        (0, 50, Gate.LOCKED),  # many sources together: the account is locked
        (None, None, Gate.OPEN),
    ],
)
def test_gate(source, account, gate):
    assert LockoutPolicy().gate(source, account) is gate


def test_one_source_cannot_reach_the_account_threshold_by_default():
    assert not LockoutPolicy().single_source_can_lock_account()
    assert LockoutPolicy(account_max_failures=20).single_source_can_lock_account()
