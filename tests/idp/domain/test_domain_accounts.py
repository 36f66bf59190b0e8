"""Account rules of SOL (domain.md §3, §5.2, §5.5, §5.6): plain values in, decisions out."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idp.domain import accounts, errors, messages
from idp.domain.accounts import StatusAction, UserStatus
from peru_ids import DocumentType
from tests.peru_ids.test_contact import BAD_EMAILS

A, S, E = UserStatus.ACTIVO, UserStatus.SUSPENDIDO, UserStatus.ELIMINADO
SUSPEND, REACTIVATE, DELETE = StatusAction.SUSPEND, StatusAction.REACTIVATE, StatusAction.DELETE

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

# --- state machine (§5.5 + Q7): all 9 (status, action) pairs ---

STATE_TABLE = [
    (A, SUSPEND, S),
    (A, REACTIVATE, errors.InvalidStatusTransition),
    (A, DELETE, E),
    (S, SUSPEND, errors.InvalidStatusTransition),
    (S, REACTIVATE, A),
    (S, DELETE, E),  # Q7
    (E, SUSPEND, errors.UserDeleted),
    (E, REACTIVATE, errors.UserDeleted),
    (E, DELETE, errors.UserDeleted),
]


@pytest.mark.parametrize(("current", "action", "expected"), STATE_TABLE)
def test_state_machine(current, action, expected):
    if isinstance(expected, UserStatus):
        assert accounts.next_status(current, action) is expected
        # The API passes plain strings: same result.
        assert accounts.next_status(current.value, action.value) is expected
    else:
        with pytest.raises(expected) as info:
            accounts.next_status(current, action)
        assert info.value.status == 409


def test_state_table_covers_every_pair():
    assert {(c, a) for c, a, _ in STATE_TABLE} == {(c, a) for c in UserStatus for a in StatusAction}


def test_transition_error_message_names_the_action_and_status():
    with pytest.raises(errors.InvalidStatusTransition) as info:
        accounts.next_status("ACTIVO", "reactivate")
    assert info.value.message == "No es posible reactivar a un usuario en estado Activo."
    assert info.value.to_dict() == {
        "error": "INVALID_STATUS_TRANSITION",
        "message": info.value.message,
    }


@pytest.mark.parametrize(
    ("status", "actions"),
    [(A, (SUSPEND, DELETE)), (S, (REACTIVATE, DELETE)), (E, ())],
)
def test_available_actions(status, actions):
    assert accounts.available_actions(status) == actions


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("suspend", SUSPEND),
        ("REACTIVATE", REACTIVATE),
        (" delete ", DELETE),
        ("Suspender", SUSPEND),
        ("reactivar", REACTIVATE),
        ("ELIMINAR", DELETE),
    ],
)
def test_parse_status_action(value, expected):
    assert accounts.parse_status_action(value) is expected


@pytest.mark.parametrize("value", ["", "activate", "borrar", None, 3])
def test_unknown_status_action(value):
    with pytest.raises(errors.InvalidStatusAction) as info:
        accounts.next_status("ACTIVO", value)
    assert info.value.status == 422


def test_status_and_action_labels():
    assert [s.label for s in UserStatus] == ["Activo", "Suspendido", "Eliminado"]
    assert [a.label for a in StatusAction] == ["Suspender", "Reactivar", "Eliminar"]
    assert [a.value for a in StatusAction] == ["suspend", "reactivate", "delete"]
    assert [a.needs_irreversible_confirmation for a in StatusAction] == [False, False, True]


def test_unknown_status_is_a_programming_error():
    with pytest.raises(ValueError):
        accounts.next_status("BLOQUEADO", "suspend")


# --- profiles and roles editable only while ACTIVO (§5.3, [S0 V, VI]) ---


@pytest.mark.parametrize(
    ("check", "not_editable"),
    [
        (accounts.check_profiles_editable, errors.ProfilesNotEditable),
        (accounts.check_roles_editable, errors.RolesNotEditable),
    ],
)
def test_edit_rights(check, not_editable):
    check(A)
    check("ACTIVO")
    with pytest.raises(not_editable):
        check(S)
    with pytest.raises(errors.UserDeleted):
        check(E)


# --- user limit (§5.2, Q6) and never reused codes (§3.3) ---


@pytest.mark.parametrize("count", [0, 1, 500, 998, 999])
def test_user_limit_allows_up_to_the_thousandth(count):
    assert accounts.check_can_create(count, "nuevo001", set()) == "NUEVO001"


@pytest.mark.parametrize("count", [1000, 1001, 5000])
def test_user_limit_rejects_the_thousand_and_first(count):
    with pytest.raises(errors.UserLimitReached) as info:
        accounts.check_can_create(count, "NUEVO001", set())
    assert info.value.status == 409
    assert info.value.code == "USER_LIMIT_REACHED"
    assert "1000" in info.value.message


def test_user_limit_counts_only_non_deleted_users():
    statuses = [A] * 600 + [S] * 399 + [E] * 5000
    non_deleted = sum(1 for s in statuses if s is not E)
    assert non_deleted == 999
    accounts.check_can_create(non_deleted, "NUEVO001", set())
    with pytest.raises(errors.UserLimitReached):
        accounts.check_can_create(non_deleted + 1, "NUEVO001", set())
    assert accounts.MAX_SECONDARY_USERS == 1000


@pytest.mark.parametrize("as_callable", [False, True])
def test_username_reuse_is_refused_including_deleted(as_callable):
    # The used set includes an ELIMINADO user's code: it is never reused.
    users = {"ACTIVO01": A, "SUSPEN01": S, "BORRADO1": E}
    used = (lambda code: code in users) if as_callable else set(users)
    for code in users:
        with pytest.raises(errors.UsernameTaken) as info:
            accounts.check_can_create(10, code.lower(), used)
        assert info.value.status == 409
        assert code in info.value.message
    assert accounts.check_can_create(10, "nuevo001", used) == "NUEVO001"


def test_limit_is_checked_before_reuse_and_syntax_first():
    with pytest.raises(errors.InvalidUsername):
        accounts.check_can_create(1000, "bad", {"BAD"})
    with pytest.raises(errors.UserLimitReached):
        accounts.check_can_create(1000, "USED0001", {"USED0001"})


# --- usuario (§3.3, Q12) ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NOMEMPFE", "NOMEMPFE"),  # the bimsic.pe example
        ("abcd1234", "ABCD1234"),
        ("12345678", "12345678"),
        ("aBcDeFgH", "ABCDEFGH"),
        ("  user0001 ", "USER0001"),
    ],
)
def test_valid_usernames(value, expected):
    assert accounts.normalize_username(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ABC1234",
        "ABCD12345",
        "ABCD-123",
        "ABCD 123",
        "ÑANDU123",
        "abcdefgı",
        "abcdefﬀ",
        None,
        1,
    ],
)
def test_invalid_usernames(value):
    with pytest.raises(errors.InvalidUsername) as info:
        accounts.normalize_username(value)
    assert info.value.status == 422


@given(st.text(alphabet=ALNUM, min_size=8, max_size=8))
def test_every_eight_alphanumerics_is_a_username(value):
    assert accounts.normalize_username(value) == value.upper()


@given(st.text(max_size=12))
def test_normalized_usernames_always_match_the_pattern(value):
    try:
        result = accounts.normalize_username(value)
    except errors.InvalidUsername:
        return
    assert re.fullmatch(r"[A-Z0-9]{8}", result)


# --- clave (§3.3, Q12) ---


@pytest.mark.parametrize("value", ["abc12345", "ABCDEFG1", "12345678", "Abc123456789", "aB3dE5gH"])
def test_valid_passwords(value):
    assert accounts.validate_password(value) == value  # unchanged: case-sensitive, not trimmed


@pytest.mark.parametrize(
    "value",
    [
        "abcdefgh",  # no digit ("sólo letras" of [S0] is superseded)
        "abc1234",  # 7
        "abc1234567890",  # 13
        "abc 12345",
        " abc12345",
        "abc12345!",
        "ñbc12345",
        "abc١٢٣٤٥",  # non-ASCII digits
        "",
        None,
        12345678,
    ],
)
def test_invalid_passwords(value):
    with pytest.raises(errors.InvalidPassword) as info:
        accounts.validate_password(value)
    assert info.value.detail is None  # a clave never reaches the logs


@given(st.text(alphabet=ALNUM, min_size=8, max_size=12))
def test_password_rule_is_length_alnum_and_a_digit(value):
    has_digit = any(c in "0123456789" for c in value)
    if has_digit:
        assert accounts.validate_password(value) == value
    else:
        with pytest.raises(errors.InvalidPassword):
            accounts.validate_password(value)


@given(st.text(max_size=14))
def test_accepted_passwords_always_match_the_pattern(value):
    try:
        accounts.validate_password(value)
    except errors.InvalidPassword:
        return
    assert re.fullmatch(r"[A-Za-z0-9]{8,12}", value) and re.search(r"[0-9]", value)


# --- password change (§5.6): the checks in their listed order ---

PASSWORD_CHANGE_TABLE = [
    (False, "old12345", "new12345", "new12345", errors.OldPasswordIncorrect),
    (False, "old12345", "bad", "other", errors.OldPasswordIncorrect),  # old first
    (True, "old12345", "short1", "short1", errors.InvalidPassword),
    (True, "old12345", "nodigits", "nodigits", errors.InvalidPassword),
    (True, "old12345", "new12345", "new12346", errors.PasswordConfirmationMismatch),
    (True, "old12345", "new12345", "NEW12345", errors.PasswordConfirmationMismatch),
    (True, "old12345", "old12345", "old12345", errors.PasswordUnchanged),
    (True, "old12345", "OLD12345", "OLD12345", None),  # case-sensitive: a different clave
    (True, "old12345", "new12345", "new12345", None),
]


@pytest.mark.parametrize(("old_ok", "old", "new", "confirm", "error"), PASSWORD_CHANGE_TABLE)
def test_password_change(old_ok, old, new, confirm, error):
    if error is None:
        assert accounts.validate_password_change(old_ok, old, new, confirm) == new
    else:
        with pytest.raises(error):
            accounts.validate_password_change(old_ok, old, new, confirm)


# --- Extranet user (§3.4, Q13) ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("EXT1", "EXT1"),
        ("ext0001", "EXT0001"),
        ("ExtAbc123456", "EXTABC123456"),
        (" EXTA ", "EXTA"),
    ],
)
def test_valid_extranet_usernames(value, expected):
    assert accounts.normalize_extranet_username(value) == expected


@pytest.mark.parametrize(
    "value",
    ["EXT", "EXT1234567890", "XEXT1", "EXT-1", "EXT 1", "EXTÑ", "EXTı", "ABCD1234", "", None],
)
def test_invalid_extranet_usernames(value):
    with pytest.raises(errors.InvalidExtranetUsername):
        accounts.normalize_extranet_username(value)


@given(st.text(alphabet=ALNUM, min_size=1, max_size=9))
def test_every_ext_code_up_to_twelve_characters(suffix):
    result = accounts.normalize_extranet_username("ext" + suffix)
    assert result == "EXT" + suffix.upper() and len(result) <= 12


# --- e-mail (§3.5) ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("vuceayuda@mincetur.gob.pe", "vuceayuda@mincetur.gob.pe"),
        ("Juan.Perez@Empresa.COM.PE", "Juan.Perez@empresa.com.pe"),
        ("a+b@x.io", "a+b@x.io"),
        ("o'brien@example.org", "o'brien@example.org"),
        (" user@example.com ", "user@example.com"),
        ("x@" + "a" * 63 + ".pe", "x@" + "a" * 63 + ".pe"),
    ],
)
def test_valid_emails(value, expected):
    assert accounts.validate_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        *(v for v in BAD_EMAILS if v not in ("", None)),  # empty is "optional" here
        "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".pe",  # > 254
    ],
)
def test_invalid_emails(value):
    with pytest.raises(errors.InvalidEmail):
        accounts.validate_email(value)


def test_email_length_limit_is_254():
    address = "a" * 62 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * 8
    assert len(address) == 254
    assert accounts.validate_email(address) == address
    with pytest.raises(errors.InvalidEmail):
        accounts.validate_email(address + "c")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_email_optional_or_required(value):
    assert accounts.validate_email(value) is None
    with pytest.raises(errors.InvalidEmail):
        accounts.validate_email(value, required=True)


@given(
    st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,10})?", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True),
    st.sampled_from(["pe", "com", "gob.pe", "org"]),
)
def test_generated_emails_are_accepted(local, host, tld):
    address = f"{local}@{host}.{tld}"
    assert accounts.validate_email(address) == address


@given(st.text(max_size=300))
def test_accepted_emails_are_short_and_have_one_at(value):
    try:
        result = accounts.validate_email(value)
    except errors.InvalidEmail:
        return
    if result is not None:
        assert len(result) <= 254 and result.count("@") == 1 and result.isascii()


# --- names required only for non-DNI (§3.2, Q11) ---


@pytest.mark.parametrize(
    ("doc_type", "names", "expected"),
    [
        ("DNI", None, None),
        ("DNI", "", None),
        ("DNI", "   ", None),
        ("DNI", "Quispe Mamani, Rosa", "Quispe Mamani, Rosa"),  # kept when given
        ("CE", "  Smith   John ", "Smith John"),
        ("PASAPORTE", "Müller, Anna", "Müller, Anna"),
    ],
)
def test_names_accepted(doc_type, names, expected):
    assert accounts.validate_names(names, doc_type) == expected


@pytest.mark.parametrize("doc_type", ["CE", "PASAPORTE", DocumentType.CE, "4", "7"])
@pytest.mark.parametrize("names", [None, "", "   "])
def test_names_required_for_non_dni(doc_type, names):
    with pytest.raises(errors.NamesRequired) as info:
        accounts.validate_names(names, doc_type)
    assert info.value.message == messages.ERR_NAMES_REQUIRED


def test_names_too_long():
    with pytest.raises(errors.InvalidNames):
        accounts.validate_names("x" * 201, "CE")
    assert accounts.validate_names("x" * 200, "CE") == "x" * 200


def test_text_fields():
    assert accounts.validate_text("  Importadora SAC ", "razón social") == "Importadora SAC"
    assert accounts.validate_text("", "referencia", required=False) is None
    with pytest.raises(errors.FieldRequired) as info:
        accounts.validate_text("  ", "razón social")
    assert info.value.message == "El campo razón social es obligatorio."
    with pytest.raises(errors.TextTooLong):
        accounts.validate_text("x" * 201, "dirección")
    # API field names are shown by their Spanish name.
    with pytest.raises(errors.FieldRequired) as info:
        accounts.validate_text(None, "company_name")
    assert info.value.message == "El campo Razón Social es obligatorio."
    assert info.value.params["field_name"] == "company_name"
    with pytest.raises(errors.TextTooLong) as info:
        accounts.validate_text("x" * 41, "fax", max_length=40)
    assert info.value.message == "El campo Fax no debe exceder los 40 caracteres."


# --- RUC and document wrappers raise domain errors ---


@pytest.mark.parametrize(
    ("value", "reason"),
    [("20512333798", "check_digit"), ("11292005483", "prefix"), ("123", "format")],
)
def test_normalize_ruc(value, reason):
    assert accounts.normalize_ruc(" 20123456786 ") == "20123456786"
    with pytest.raises(errors.InvalidRuc) as info:
        accounts.normalize_ruc(value)
    assert info.value.params["reason"] == reason
    assert info.value.status == 422


def test_normalize_document_wrappers():
    assert accounts.normalize_document("dni", "05414828") == (DocumentType.DNI, "05414828")
    assert accounts.normalize_document("CE", "x1") == (DocumentType.CE, "X1")
    with pytest.raises(errors.InvalidDocumentType):
        accounts.normalize_document("RUC", "20123456786")
    with pytest.raises(errors.InvalidDocument):
        accounts.normalize_document("DNI", "1234567")


# --- "Crear Usuario" as a whole (§5.2) ---


def _new(**overrides):
    data = {
        "username": "abcd1234",
        "password": "Clave123",
        "document_type": "DNI",
        "document_number": "05414828",
    }
    data.update(overrides)
    return accounts.validate_new_secondary_user(**data)


def test_new_secondary_user_minimal_dni():
    user = _new()
    assert user == accounts.NewSecondaryUser(
        username="ABCD1234",
        password="Clave123",
        document_type=DocumentType.DNI,
        document_number="05414828",
    )
    assert user.names is None and user.email is None  # both optional for DNI
    assert user.status is UserStatus.ACTIVO
    assert user.must_change_password is True  # Q8
    assert "Clave123" not in repr(user)


def test_new_secondary_user_full():
    user = _new(
        document_type="PASAPORTE",
        document_number="pe123",
        names=" Smith,  John ",
        email="John@Example.com",
        profiles=["OCE.DRAWBACK_WEB", "ADUANAS.VUCE", "ADUANAS.VUCE"],
        roles=["VUCE.USUARIO.SUPERVISOR", "VUCE.USUARIO.OPERACION"],
        password_confirmation="Clave123",
    )
    assert user.document_type is DocumentType.PASAPORTE
    assert user.document_number == "PE123"
    assert user.names == "Smith, John"
    assert user.email == "John@example.com"
    assert user.profiles == ("ADUANAS.VUCE", "OCE.DRAWBACK_WEB")
    assert user.roles == ("VUCE.USUARIO.OPERACION", "VUCE.USUARIO.SUPERVISOR")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"document_type": "CE", "document_number": "X1"}, errors.NamesRequired),
        ({"document_type": "RUC"}, errors.InvalidDocumentType),
        ({"document_number": "5414828"}, errors.InvalidDocument),
        ({"email": "not-an-email"}, errors.InvalidEmail),
        ({"username": "abc"}, errors.InvalidUsername),
        ({"password": "sinnumero"}, errors.InvalidPassword),
        ({"password_confirmation": "Clave124"}, errors.PasswordConfirmationMismatch),
        ({"check_confirmation": True}, errors.PasswordConfirmationMismatch),
        ({"profiles": ["ADUANAS.NOPE"]}, errors.UnknownProfile),
        ({"roles": ["VUCE.USUARIO.ADMIN"]}, errors.UnknownRole),
    ],
)
def test_new_secondary_user_rejections(overrides, error):
    with pytest.raises(error):
        _new(**overrides)
