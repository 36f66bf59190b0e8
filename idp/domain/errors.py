"""One exception class per rule of SOL, each with a stable code, an HTTP status and Spanish text.

The API renders any ``DomainError`` as ``{"error": code, "message": message}`` with ``status``
(contract.md: a rule of the domain is a 409 or 422 with its own code, never a 500). As in
node-oidc-provider, the public ``message`` is kept apart from the private ``detail``, which is
for logs only and may name what the user typed.

Status convention: 422 when the request itself is malformed (a field breaks §3); 409 when the
request is well-formed but conflicts with the current state (limit reached, code already used,
transition not allowed from the current estado).
"""

from __future__ import annotations

from . import messages as m


class _KeepMissing(dict):
    """Leaves unknown ``{placeholders}`` as they are rather than failing to render a message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class DomainError(Exception):
    """Base of every rule violation of the SOL domain."""

    code: str = "DOMAIN_ERROR"
    status: int = 422
    message: str = m.ERR_GENERIC

    def __init__(self, detail: str | None = None, **params: object) -> None:
        self.params = params
        self.detail = detail
        # The instance attribute shadows the class template with the rendered text.
        self.message = type(self).message.format_map(_KeepMissing(params))
        super().__init__(detail or self.message)

    def to_dict(self) -> dict[str, str]:
        """The JSON error body of the API (contract.md)."""
        return {"error": self.code, "message": self.message}


class InvalidRuc(DomainError):
    """The RUC breaks §3.1; ``params["reason"]`` is "format", "prefix" or "check_digit"."""

    code = "INVALID_RUC"
    message = m.ERR_INVALID_RUC


class InvalidDocumentType(DomainError):
    """The document type is not DNI, CE or PASAPORTE (§3.2)."""

    code = "INVALID_DOCUMENT_TYPE"
    message = m.ERR_INVALID_DOCUMENT_TYPE


class InvalidDocument(DomainError):
    """The document number breaks §3.2."""

    code = "INVALID_DOCUMENT"
    message = m.ERR_INVALID_DOCUMENT


class NamesRequired(DomainError):
    """The "Apellidos y Nombres" missing for a CE or Pasaporte holder (§3.2, Q11)."""

    code = "NAMES_REQUIRED"
    message = m.ERR_NAMES_REQUIRED


class InvalidNames(DomainError):
    """The "Apellidos y Nombres" too long for the record."""

    code = "INVALID_NAMES"
    message = m.ERR_INVALID_NAMES


class FieldRequired(DomainError):
    """A required free-text field is empty."""

    code = "FIELD_REQUIRED"
    message = m.ERR_FIELD_REQUIRED


class TextTooLong(DomainError):
    """A free-text field exceeds its maximum length."""

    code = "TEXT_TOO_LONG"
    message = m.ERR_TEXT_TOO_LONG


class InvalidUsername(DomainError):
    """The SOL user code is not exactly 8 letters or digits (§3.3, Q12)."""

    code = "INVALID_USERNAME"
    message = m.ERR_INVALID_USERNAME


class InvalidPassword(DomainError):
    """The clave is not 8–12 letters or digits with at least one digit (§3.3, Q12)."""

    code = "INVALID_PASSWORD"
    message = m.ERR_INVALID_PASSWORD


class PasswordConfirmationMismatch(DomainError):
    """The re-entered clave differs from the new clave (§5.2, §5.6)."""

    code = "PASSWORD_CONFIRMATION_MISMATCH"
    message = m.ERR_PASSWORD_CONFIRMATION


class OldPasswordIncorrect(DomainError):
    """The "Clave Anterior" does not match on "Cambio de Clave SOL" (§5.6)."""

    code = "OLD_PASSWORD_INCORRECT"
    message = m.ERR_OLD_PASSWORD_INCORRECT


class PasswordUnchanged(DomainError):
    """The new clave equals the old one (§5.6, recommended rule)."""

    code = "PASSWORD_UNCHANGED"
    message = m.ERR_PASSWORD_UNCHANGED


class UsernameTaken(DomainError):
    """The user code was already used on the RUC, deleted users included (§3.3, §5.2)."""

    code = "USERNAME_TAKEN"
    status = 409
    message = m.ERR_USERNAME_TAKEN


class UserLimitReached(DomainError):
    """The RUC already has 1,000 non-deleted secondary users (§5.2, Q6)."""

    code = "USER_LIMIT_REACHED"
    status = 409
    message = m.ERR_USER_LIMIT


class InvalidStatusAction(DomainError):
    """The action is not one of suspend, reactivate, delete."""

    code = "INVALID_STATUS_ACTION"
    message = m.ERR_INVALID_STATUS_ACTION


class InvalidStatusTransition(DomainError):
    """The action is not allowed from the user's current estado (§5.5)."""

    code = "INVALID_STATUS_TRANSITION"
    status = 409
    message = m.ERR_INVALID_STATUS_TRANSITION


class UserDeleted(DomainError):
    """Nothing can be done to an ELIMINADO user (§5.5, [S0 VI])."""

    code = "USER_DELETED"
    status = 409
    message = m.ERR_USER_DELETED


class ProfilesNotEditable(DomainError):
    """Profiles change only while ACTIVO (§5.3, [S0 V])."""

    code = "PROFILES_NOT_EDITABLE"
    status = 409
    message = m.ERR_PROFILES_NOT_EDITABLE


class RolesNotEditable(DomainError):
    """Roles change only while ACTIVO (§5.5: the selection button is hidden otherwise)."""

    code = "ROLES_NOT_EDITABLE"
    status = 409
    message = m.ERR_ROLES_NOT_EDITABLE


class UnknownProfile(DomainError):
    """A profile option code outside the catalogue of §5.3."""

    code = "UNKNOWN_PROFILE"
    message = m.ERR_UNKNOWN_PROFILE


class UnknownRole(DomainError):
    """A role code outside the VUCE catalogue of §5.4."""

    code = "UNKNOWN_ROLE"
    message = m.ERR_UNKNOWN_ROLE


class InvalidEmail(DomainError):
    """The e-mail breaks §3.5."""

    code = "INVALID_EMAIL"
    message = m.ERR_INVALID_EMAIL


class InvalidExtranetUsername(DomainError):
    """The Extranet user code breaks §3.4 (``EXT`` + 1–9 letters or digits)."""

    code = "INVALID_EXTRANET_USERNAME"
    message = m.ERR_INVALID_EXTRANET_USERNAME


ALL_ERRORS: tuple[type[DomainError], ...] = (
    InvalidRuc,
    InvalidDocumentType,
    InvalidDocument,
    NamesRequired,
    InvalidNames,
    FieldRequired,
    TextTooLong,
    InvalidUsername,
    InvalidPassword,
    PasswordConfirmationMismatch,
    OldPasswordIncorrect,
    PasswordUnchanged,
    UsernameTaken,
    UserLimitReached,
    InvalidStatusAction,
    InvalidStatusTransition,
    UserDeleted,
    ProfilesNotEditable,
    RolesNotEditable,
    UnknownProfile,
    UnknownRole,
    InvalidEmail,
    InvalidExtranetUsername,
)
