"""The SOL identity as VUCE sees it: THE only reader of claim names (style.md, contract.md).

contract.md, "Scope sol", fixes the claims: ``sub``, ``user_type``, ``ruc``, ``sol_username``,
``company_name``, ``document_type``, ``document_number``, ``profiles``, ``roles``,
``account_status``, plus the standard ``name``, ``email`` and ``email_verified``. The producer is
``idp/domain/claims.py``; an end-to-end test ties the two together.

Strictness: claims arrive from a verified ID token or userinfo, but a wrong type must never
turn into a wrong access decision (a string ``roles`` iterated char by char, a ``None`` status
read as "not suspended"), so every claim is type-checked and ``InvalidClaims`` is raised instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from .errors import InvalidClaims

__all__ = [
    "DOCUMENT_TYPES",
    "AccountStatus",
    "InvalidClaims",
    "SolIdentity",
    "UserType",
    "extranet_account_key",
    "identity_from_claims",
    "sol_account_key",
]


class UserType(StrEnum):
    """Value of the ``user_type`` claim."""

    PRINCIPAL = "principal"
    SECONDARY = "secondary"
    EXTRANET = "extranet"


class AccountStatus(StrEnum):
    """Value of the ``account_status`` claim (domain.md §5.5)."""

    ACTIVO = "ACTIVO"
    SUSPENDIDO = "SUSPENDIDO"
    ELIMINADO = "ELIMINADO"


DOCUMENT_TYPES = frozenset({"DNI", "CE", "PASAPORTE"})

_RUC_RE = re.compile(r"[0-9]{11}")
# SOL codes are 8 alphanumerics (§3.3, Q12); this is looser on length on purpose, because the IdP
# owns the rule and a stricter reader would lock out a user the IdP accepted. It only has to
# keep ``account_key`` unambiguous (no ":" and no spaces).
_SOL_USERNAME_RE = re.compile(r"[A-Z0-9]{1,16}")
_EXTRANET_USERNAME_RE = re.compile(r"EXT[A-Z0-9]{1,9}")  # §3.4, Q13


@dataclass(frozen=True)
class SolIdentity:
    """Who logged in, with the roles and status in effect at login (domain.md §9)."""

    sub: str
    user_type: UserType
    ruc: str | None  # None only for extranet
    sol_username: str  # upper-cased; the EXT… code for extranet
    company_name: str | None
    document_type: str | None
    document_number: str | None
    profiles: frozenset[str]
    roles: frozenset[str]
    account_status: AccountStatus
    name: str | None = None
    email: str | None = None
    email_verified: bool | None = None

    @property
    def account_key(self) -> str:
        """The key of the VUCE account: ``sol:RUC:USER`` or ``ext:EXT…`` (§4 ``VuceCuenta``)."""
        if self.user_type is UserType.EXTRANET:
            return f"ext:{self.sol_username}"
        return f"sol:{self.ruc}:{self.sol_username}"

    @property
    def is_principal(self) -> bool:
        """True for the holder of the company's Clave SOL."""
        return self.user_type is UserType.PRINCIPAL

    @property
    def is_extranet(self) -> bool:
        """True for an official of a competent entity (EXT…)."""
        return self.user_type is UserType.EXTRANET

    @property
    def entity(self) -> str | None:
        """An Extranet official's entity: SOL sends it as ``company_name`` (no RUC, no razón
        social); None for SOL users."""
        return self.company_name if self.is_extranet else None

    @property
    def is_active(self) -> bool:
        """True when ``account_status`` is ACTIVO."""
        return self.account_status is AccountStatus.ACTIVO


def sol_account_key(ruc: str, username: str) -> str:
    """The account key of a SOL user typed into a form (contingency, §7)."""
    return f"sol:{ruc.strip()}:{username.strip().upper()}"


def extranet_account_key(username: str) -> str:
    """The account key of an Extranet user typed into a form (contingency, §7)."""
    return f"ext:{username.strip().upper()}"


def _required_str(claims: Mapping[str, object], name: str) -> str:
    value = claims.get(name)
    if value is None:
        raise InvalidClaims(name, "missing")
    if not isinstance(value, str):
        raise InvalidClaims(name, f"expected a string, got {type(value).__name__}")
    value = value.strip()
    if not value:
        raise InvalidClaims(name, "empty")
    return value


def _optional_str(claims: Mapping[str, object], name: str) -> str | None:
    # Absent and null mean the same: the IdP sends null for what does not apply (e.g. the
    # document of a principal user) and omits what a scope did not grant (name, email).
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidClaims(name, f"expected a string or null, got {type(value).__name__}")
    return value.strip() or None


def _str_list(claims: Mapping[str, object], name: str) -> frozenset[str]:
    # An absent list is an empty one: the IdP may drop empty claims. That is safe here, since
    # no roles means message 1, never more access.
    value = claims.get(name)
    if value is None:
        return frozenset()
    # A bare string is iterable too; reject it rather than read it character by character.
    if not isinstance(value, list | tuple):
        raise InvalidClaims(name, f"expected a list of strings, got {type(value).__name__}")
    items = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise InvalidClaims(name, f"expected non-empty strings, got {item!r}")
        items.append(item.strip())
    return frozenset(items)


_E = TypeVar("_E", bound=StrEnum)


def _enum(claims: Mapping[str, object], name: str, enum: type[_E]) -> _E:
    value = _required_str(claims, name)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidClaims(name, f"{value!r} is not one of {allowed}") from None


def identity_from_claims(claims: Mapping[str, object]) -> SolIdentity:
    """Read and validate the ``sol`` claims (contract.md) into a ``SolIdentity``."""
    if not isinstance(claims, Mapping):
        raise InvalidClaims("*", f"expected a mapping, got {type(claims).__name__}")
    sub = _required_str(claims, "sub")
    user_type = _enum(claims, "user_type", UserType)
    status = _enum(claims, "account_status", AccountStatus)
    username = _required_str(claims, "sol_username").upper()

    if user_type is UserType.EXTRANET:
        # contract.md: "ruc: absent for extranet"; an Extranet identity with a RUC would be
        # mistaken for a SOL account, so it is refused rather than ignored.
        if claims.get("ruc") is not None:
            raise InvalidClaims("ruc", "must be absent for an extranet user")
        if not _EXTRANET_USERNAME_RE.fullmatch(username):
            raise InvalidClaims("sol_username", f"{username!r} is not an EXT… user (§3.4)")
        ruc = None
    else:
        ruc = _required_str(claims, "ruc")
        if not _RUC_RE.fullmatch(ruc):
            raise InvalidClaims("ruc", f"{ruc!r} is not 11 digits")
        if not _SOL_USERNAME_RE.fullmatch(username):
            raise InvalidClaims("sol_username", f"{username!r} is not a SOL user code")

    document_type = _optional_str(claims, "document_type")
    if document_type is not None:
        document_type = document_type.upper()
        if document_type not in DOCUMENT_TYPES:
            raise InvalidClaims("document_type", f"{document_type!r} is not DNI, CE or PASAPORTE")

    email_verified = claims.get("email_verified")
    if email_verified is not None and not isinstance(email_verified, bool):
        raise InvalidClaims("email_verified", "expected a boolean")

    return SolIdentity(
        sub=sub,
        user_type=user_type,
        ruc=ruc,
        sol_username=username,
        company_name=_optional_str(claims, "company_name"),
        document_type=document_type,
        document_number=_optional_str(claims, "document_number"),
        profiles=_str_list(claims, "profiles"),
        roles=_str_list(claims, "roles"),
        account_status=status,
        name=_optional_str(claims, "name"),
        email=_optional_str(claims, "email"),
        email_verified=email_verified,
    )
