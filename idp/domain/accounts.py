"""Rules of SOL accounts: field syntax, the secondary-user state machine, limits and edit rights.

Every function takes plain values and returns a normalized value or raises a ``DomainError``
(style.md habit 1). Storage is reached by the caller: counts and used codes are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import peru_ids

from . import errors, messages
from .profiles import validate_profile_codes
from .roles import validate_role_codes

# §5.2 / [S0 II]: at most 1,000 secondary users per RUC; Q6: ELIMINADO users do not count.
MAX_SECONDARY_USERS = 1000
NAMES_MAX_LENGTH = 200

# Patterns are matched on the raw text *before* upper-casing: str.upper() maps some non-ASCII
# letters onto ASCII ("ı" → "I", "ß" → "SS"), so checking afterwards would let them through.
_USERNAME_RE = re.compile(r"[A-Za-z0-9]{8}")  # §3.3, Q12
_PASSWORD_RE = re.compile(r"[A-Za-z0-9]{8,12}")  # §3.3, Q12 (+ at least one digit)
_EXTRANET_RE = re.compile(r"EXT[A-Z0-9]{1,9}", re.IGNORECASE)  # §3.4, Q13


class UserStatus(StrEnum):
    """Estado of a secondary (or Extranet) user (§4, §5.5)."""

    ACTIVO = "ACTIVO"
    SUSPENDIDO = "SUSPENDIDO"
    ELIMINADO = "ELIMINADO"

    @property
    def label(self) -> str:
        """Spanish label for the screens ("Activo", "Suspendido", "Eliminado")."""
        return self.value.capitalize()


class StatusAction(StrEnum):
    """The actions of "Cambiar Estado"; values are the API words (contract.md)."""

    SUSPEND = "suspend"
    REACTIVATE = "reactivate"
    DELETE = "delete"

    @property
    def label(self) -> str:
        """The Spanish column label of [S2]: "Suspender", "Reactivar", "Eliminar"."""
        return _ACTION_LABELS[self]

    @property
    def needs_irreversible_confirmation(self) -> bool:
        """Only "Eliminar" asks "La eliminación no se puede revertir. Está seguro?" (§5.5)."""
        return self is StatusAction.DELETE


_ACTION_LABELS = {
    StatusAction.SUSPEND: "Suspender",
    StatusAction.REACTIVATE: "Reactivar",
    StatusAction.DELETE: "Eliminar",
}

# §5.5 plus Q7 (SUSPENDIDO → ELIMINADO). Anything absent from this table is rejected.
TRANSITIONS: dict[tuple[UserStatus, StatusAction], UserStatus] = {
    (UserStatus.ACTIVO, StatusAction.SUSPEND): UserStatus.SUSPENDIDO,
    (UserStatus.SUSPENDIDO, StatusAction.REACTIVATE): UserStatus.ACTIVO,
    (UserStatus.ACTIVO, StatusAction.DELETE): UserStatus.ELIMINADO,
    (UserStatus.SUSPENDIDO, StatusAction.DELETE): UserStatus.ELIMINADO,
}


def parse_status(value: object) -> UserStatus:
    """A ``UserStatus`` from its value (any case); anything else is a programming error."""
    if isinstance(value, UserStatus):
        return value
    if isinstance(value, str):
        return UserStatus(value.strip().upper())
    raise ValueError(f"not a user status: {value!r}")


def parse_status_action(value: object) -> StatusAction:
    """A ``StatusAction`` from its API word or its Spanish label, any case."""
    if isinstance(value, StatusAction):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        for action in StatusAction:
            if text in (action.value, action.label.lower()):
                return action
    raise errors.InvalidStatusAction(f"action={value!r}")


def next_status(current: object, action: object) -> UserStatus:
    """The estado after ``action`` per the state machine of §5.5 and Q7, or raise."""
    status = parse_status(current)
    act = parse_status_action(action)
    if status is UserStatus.ELIMINADO:
        # [S0 VI]: "sobre éste Usuario no se puede realizar ninguna acción".
        raise errors.UserDeleted(f"action={act.value}")
    try:
        return TRANSITIONS[(status, act)]
    except KeyError:
        raise errors.InvalidStatusTransition(
            f"{status.value} --{act.value}-->", action=act.label.lower(), status=status.label
        ) from None


def available_actions(current: object) -> tuple[StatusAction, ...]:
    """The actions area (B) offers for a user in ``current`` (empty once ELIMINADO)."""
    status = parse_status(current)
    return tuple(a for a in StatusAction if (status, a) in TRANSITIONS)


def _check_editable(status: object, what: str, not_editable) -> None:
    s = parse_status(status)
    if s is UserStatus.ELIMINADO:
        raise errors.UserDeleted(what)
    if s is not UserStatus.ACTIVO:
        raise not_editable(f"status={s.value}")


def check_profiles_editable(status: object) -> None:
    """Profiles change only while ACTIVO: the selection button is hidden otherwise (§5.3)."""
    _check_editable(status, "profiles", errors.ProfilesNotEditable)


def check_roles_editable(status: object) -> None:
    """Roles change only while ACTIVO, like profiles ([S0 V, VI])."""
    _check_editable(status, "roles", errors.RolesNotEditable)


def normalize_ruc(value: object) -> str:
    """The RUC without surrounding whitespace, or ``errors.InvalidRuc`` with its reason (§3.1)."""
    try:
        return peru_ids.validate_ruc(value)
    except peru_ids.InvalidRuc as exc:
        raise errors.InvalidRuc(f"ruc={value!r}", reason=exc.reason) from None


def normalize_document(doc_type: object, number: object) -> tuple[peru_ids.DocumentType, str]:
    """The document type and canonical number (§3.2), or a domain error."""
    kind = parse_document_type(doc_type)
    try:
        return kind, peru_ids.normalize_document(kind, number)
    except peru_ids.InvalidDocument:
        raise errors.InvalidDocument(f"{kind.value} number={number!r}") from None


def normalize_username(value: object) -> str:
    """The SOL user code upper-cased: exactly 8 letters or digits (§3.3, Q12)."""
    if not isinstance(value, str):
        raise errors.InvalidUsername(f"username={value!r}")
    text = value.strip()
    if not _USERNAME_RE.fullmatch(text):
        raise errors.InvalidUsername(f"username={value!r}")
    return text.upper()


def normalize_extranet_username(value: object) -> str:
    """The Extranet user code upper-cased: ``EXT`` + 1–9 letters or digits (§3.4, Q13)."""
    if not isinstance(value, str):
        raise errors.InvalidExtranetUsername(f"username={value!r}")
    text = value.strip()
    if not (text.isascii() and _EXTRANET_RE.fullmatch(text)):
        raise errors.InvalidExtranetUsername(f"username={value!r}")
    return text.upper()


def validate_password(value: object) -> str:
    """The clave unchanged if it has 8–12 letters or digits and at least one digit (§3.3, Q12)."""
    # Never strip or re-case a clave: it is case-sensitive and used exactly as typed.
    if (
        not isinstance(value, str)
        or not _PASSWORD_RE.fullmatch(value)
        or not any(c.isdigit() for c in value)
    ):
        raise errors.InvalidPassword()  # no detail: a clave never goes to the logs
    return value


def validate_password_confirmation(password: str, confirmation: object) -> None:
    """The re-entered clave must equal the clave (§5.2 step 1, §5.6)."""
    if confirmation != password:
        raise errors.PasswordConfirmationMismatch()


def validate_password_change(old_ok: bool, old: str, new: object, confirm: object) -> str:
    """The new clave, after the checks of §5.6 in their listed order."""
    if not old_ok:
        raise errors.OldPasswordIncorrect()
    new = validate_password(new)
    validate_password_confirmation(new, confirm)
    if new == old:
        raise errors.PasswordUnchanged()
    return new


def _contact(value: object, required: bool, normalize, syntax_error, error, field: str):
    """A contact field in the syntax both apps share (``peru_ids``), or None when empty and
    optional; ``error`` (a domain error) otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise error("missing")
        return None
    try:
        return normalize(value)
    except syntax_error:
        raise error(f"{field}={value!r}") from None


_EMAIL = (peru_ids.normalize_email, peru_ids.InvalidEmail, errors.InvalidEmail, "email")


def validate_email(value: object, *, required: bool = False) -> str | None:
    """The e-mail with a lower-cased domain, or None when empty and optional (§3.5)."""
    return _contact(value, required, *_EMAIL)


def parse_document_type(value: object) -> peru_ids.DocumentType:
    """A ``DocumentType`` from its API word or SUNAT code, or ``errors.InvalidDocumentType``."""
    try:
        return peru_ids.parse_document_type(value)
    except peru_ids.InvalidDocument:
        raise errors.InvalidDocumentType(f"type={value!r}") from None


def validate_names(names: object, document_type: object) -> str | None:
    """The "Apellidos y Nombres" with spaces collapsed; required only when not DNI (§3.2, Q11)."""
    kind = parse_document_type(document_type)
    if names is not None and not isinstance(names, str):
        raise errors.InvalidNames(f"names={names!r}")
    text = " ".join(names.split()) if names else ""
    if not text:
        if kind.names_required:
            raise errors.NamesRequired(f"document_type={kind.value}")
        return None  # Q11: optional for DNI; SUNAT fills them in from RENIEC
    if len(text) > NAMES_MAX_LENGTH:
        raise errors.InvalidNames(f"length={len(text)}")
    return text


def validate_text(
    value: object, field_label: str, *, max_length: int = 200, required: bool = True
) -> str | None:
    """A trimmed free-text field (e.g. razón social, entidad) within ``max_length``.

    ``field_label`` may be an API field name (``company_name``): messages show its Spanish
    name from ``messages.FIELD_LABELS``; ``params["field_name"]`` keeps the name as given.
    """
    shown = messages.FIELD_LABELS.get(field_label, field_label)
    if value is not None and not isinstance(value, str):
        raise errors.FieldRequired(f"{field_label}={value!r}", field=shown, field_name=field_label)
    text = value.strip() if value else ""
    if not text:
        if required:
            raise errors.FieldRequired(field=shown, field_name=field_label)
        return None
    if len(text) > max_length:
        raise errors.TextTooLong(field=shown, field_name=field_label, max_length=max_length)
    return text


UsedUsernames = Collection[str] | Callable[[str], bool]


def check_can_create(
    non_deleted_count: int, username: object, used_usernames: UsedUsernames
) -> str:
    """The normalized user code if one more secondary user may be created on the RUC (§5.2)."""
    code = normalize_username(username)
    # Q6: the caller counts ACTIVO + SUSPENDIDO only; the 1,001st is refused.
    if non_deleted_count >= MAX_SECONDARY_USERS:
        raise errors.UserLimitReached(f"count={non_deleted_count}", limit=MAX_SECONDARY_USERS)
    # §3.3: codes are never reused, so ``used_usernames`` must include ELIMINADO users.
    used = used_usernames(code) if callable(used_usernames) else code in used_usernames
    if used:
        raise errors.UsernameTaken(username=code)
    return code


@dataclass(frozen=True)
class NewSecondaryUser:
    """The normalized data of "Crear Usuario" (§5.2), ready for a service to store."""

    username: str
    password: str = field(repr=False)
    document_type: peru_ids.DocumentType
    document_number: str
    names: str | None = None
    email: str | None = None
    profiles: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    status: UserStatus = UserStatus.ACTIVO  # §5.5: a new user is ACTIVO
    must_change_password: bool = True  # Q8: remind the user to change the assigned clave


def validate_new_secondary_user(
    *,
    username: object,
    password: object,
    document_type: object,
    document_number: object,
    names: object = None,
    email: object = None,
    profiles: Iterable[str] = (),
    roles: Iterable[str] = (),
    password_confirmation: object = None,
    check_confirmation: bool = False,
) -> NewSecondaryUser:
    """Validate the "Crear Usuario" form (§5.2); the confirmation is checked when given."""
    # Checks run in the order of the form, so the first message matches the first bad field.
    kind, number = normalize_document(document_type, document_number)
    clean_names = validate_names(names, kind)
    clean_email = validate_email(email)
    code = normalize_username(username)
    clave = validate_password(password)
    if check_confirmation or password_confirmation is not None:
        validate_password_confirmation(clave, password_confirmation)
    return NewSecondaryUser(
        username=code,
        password=clave,
        document_type=kind,
        document_number=number,
        names=clean_names,
        email=clean_email,
        profiles=validate_profile_codes(profiles),
        roles=validate_role_codes(roles),
    )
