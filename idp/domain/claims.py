"""THE single producer of token claims (contract.md "Scope sol"; domain.md §9).

VUCE reads these names in exactly one place (``vuce_client/domain/identity.py``); the e2e test
checks that both sides agree. Changing a name here is a contract change.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

USER_TYPES: tuple[str, ...] = ("principal", "secondary", "extranet")
ACCOUNT_STATUSES: tuple[str, ...] = ("ACTIVO", "SUSPENDIDO", "ELIMINADO")

# Released with scope "sol", in this order (contract.md table).
SOL_CLAIMS: tuple[str, ...] = (
    "user_type",
    "ruc",
    "sol_username",
    "company_name",
    "document_type",
    "document_number",
    "profiles",
    "roles",
    "account_status",
)
PROFILE_CLAIMS: tuple[str, ...] = ("name",)
EMAIL_CLAIMS: tuple[str, ...] = ("email", "email_verified")
# Registered ID-token claims that the protocol layer adds (OIDC Core §2, §3.1.3.6, RFC 8417).
PROTOCOL_CLAIMS: tuple[str, ...] = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
    "sid",
)
CLAIMS_SUPPORTED: tuple[str, ...] = PROTOCOL_CLAIMS + PROFILE_CLAIMS + EMAIL_CLAIMS + SOL_CLAIMS

SCOPES_SUPPORTED: tuple[str, ...] = (
    "openid",
    "profile",
    "email",
    "sol",
    "offline_access",
    "sol:admin",
    "padron",
)

SUBJECT_HEX_LENGTH = 32  # 128 bits of HMAC output: opaque and collision-safe


@dataclass(frozen=True)
class Identity:
    """Everything a token may say about an account; built by services, read only here."""

    sub: str
    user_type: str
    ruc: str | None
    sol_username: str
    company_name: str | None = None
    document_type: str | None = None
    document_number: str | None = None
    profiles: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    account_status: str = "ACTIVO"
    name: str | None = None
    email: str | None = None
    email_verified: bool = False

    def __post_init__(self) -> None:
        # Fail at construction, not in a token: an inconsistent identity is a programming error.
        if self.user_type not in USER_TYPES:
            raise ValueError(f"unknown user_type {self.user_type!r}")
        if self.user_type == "extranet" and self.ruc is not None:
            raise ValueError("an extranet identity has no ruc")
        if self.user_type != "extranet" and not self.ruc:
            raise ValueError(f"a {self.user_type} identity needs a ruc")
        if self.account_status not in ACCOUNT_STATUSES:
            raise ValueError(f"unknown account_status {self.account_status!r}")
        if not self.sub:
            raise ValueError("sub is required")


def _scope_set(scopes: Iterable[str] | str | None) -> frozenset[str]:
    if scopes is None:
        return frozenset()
    if isinstance(scopes, str):
        return frozenset(scopes.split())  # the space-delimited form of RFC 6749 §3.3
    return frozenset(scopes)


def build_claims(identity: Identity, scopes: Iterable[str] | str | None) -> dict[str, Any]:
    """The claims ``identity`` may release for ``scopes`` (ID token and userinfo alike)."""
    granted = _scope_set(scopes)
    claims: dict[str, Any] = {"sub": identity.sub}  # OIDC Core §5.3.2: sub is always returned
    if "sol" in granted:
        sol: dict[str, Any] = {
            "user_type": identity.user_type,
            # contract.md: ruc is absent for extranet, whatever the caller put in.
            "ruc": None if identity.user_type == "extranet" else identity.ruc,
            "sol_username": identity.sol_username,
            "company_name": identity.company_name,
            "document_type": identity.document_type,
            "document_number": identity.document_number,
            # Lists, sorted, so equal sets always serialize the same way.
            "profiles": sorted(set(identity.profiles)),
            "roles": sorted(set(identity.roles)),
            "account_status": identity.account_status,
        }
        # OIDC Core §5.3.2: a claim without a value is omitted rather than sent as null.
        claims.update({k: v for k, v in sol.items() if v is not None})
    if "profile" in granted and identity.name:
        claims["name"] = identity.name
    if "email" in granted and identity.email:
        claims["email"] = identity.email
        claims["email_verified"] = bool(identity.email_verified)
    return claims


def subject_for(kind: str, key: str, salt: str | bytes) -> str:
    """A stable, opaque ``sub``: HMAC-SHA256 of ``kind:key`` under a per-deployment salt."""
    if kind not in USER_TYPES:
        raise ValueError(f"unknown account kind {kind!r}")
    if not salt:
        raise ValueError("a per-deployment subject salt is required")
    # Keys such as "secondary:RUC:USER" already carry the kind; don't prefix it twice, so
    # subject_for("secondary", "RUC:USER") and subject_for("secondary", "secondary:RUC:USER")
    # name the same account.
    message = key if key.startswith(f"{kind}:") else f"{kind}:{key}"
    secret = salt.encode() if isinstance(salt, str) else salt
    digest = hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
    return digest[:SUBJECT_HEX_LENGTH]
