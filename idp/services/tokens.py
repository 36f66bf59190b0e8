"""Issued tokens: save (hashed), look up, rotate, revoke by family or by account."""

import secrets
import time

from sqlalchemy import bindparam, insert, select, update

from ..storage.db import db
from ..storage.oauth import IssuedToken, secret_hash


def new_family() -> str:
    """A family groups a code's tokens and every refresh rotated from them."""
    return secrets.token_hex(16)


_INSERT = insert(IssuedToken.__table__)  # Core, not an ORM bulk insert


def save(
    token: dict,
    *,
    client_id: str,
    account: str | None,
    family: str,
    sid=None,
    auth_time=None,
    refresh_ttl: int = 0,
    now=None,
) -> None:
    """Store the hashes of a token response's access and refresh tokens.

    A Core INSERT in the session's transaction (the revoked/rotated flags take their column
    defaults): nothing reads the row back in this request, and the ORM unit of work was
    30-36 % of a client_credentials request's GIL samples against 25 % for the INSERT
    (py-spy, bench/idp_load.py --profile).
    """
    now = int(now or time.time())
    refresh = token.get("refresh_token")
    db.session.execute(
        _INSERT,
        {
            "client_id": client_id,
            "account": account,
            "scope": token.get("scope", ""),
            "access_token_hash": secret_hash(token["access_token"]),
            "refresh_token_hash": secret_hash(refresh) if refresh else None,
            "family": family,
            "sid": sid,
            "auth_time": auth_time,
            "issued_at": now,
            "expires_in": int(token.get("expires_in", 0)),
            "refresh_expires_at": now + refresh_ttl if refresh else None,
        },
    )


# Built once (bound parameter): looked up on every userinfo, introspection and refresh.
_BY_ACCESS = select(IssuedToken).where(IssuedToken.access_token_hash == bindparam("h"))
_BY_REFRESH = select(IssuedToken).where(IssuedToken.refresh_token_hash == bindparam("h"))


def by_access(value: str | None) -> IssuedToken | None:
    """The token row of an access token value."""
    if not value:
        return None
    return db.session.scalar(_BY_ACCESS, {"h": secret_hash(value)})


def by_refresh(value: str | None) -> IssuedToken | None:
    """The token row of a refresh token value."""
    if not value:
        return None
    return db.session.scalar(_BY_REFRESH, {"h": secret_hash(value)})


def claim_rotation(row: IssuedToken) -> bool:
    """Mark a refresh token as used, atomically; False when someone already used it."""
    result = db.session.execute(
        update(IssuedToken)
        .where(IssuedToken.id == row.id, IssuedToken.rotated.is_(False))
        .values(rotated=True)
    )
    return result.rowcount == 1


def revoke_family(family: str) -> int:
    """Revoke every access and refresh token of a family (code replay, refresh reuse)."""
    result = db.session.execute(
        update(IssuedToken)
        .where(IssuedToken.family == family)
        .values(access_revoked=True, refresh_revoked=True)
    )
    return result.rowcount


def revoke_account(account: str) -> int:
    """Revoke every token of an account (suspension, deletion)."""
    result = db.session.execute(
        update(IssuedToken)
        .where(IssuedToken.account == account)
        .values(access_revoked=True, refresh_revoked=True)
    )
    return result.rowcount


def revoke(row: IssuedToken, token_type_hint: str | None) -> None:
    """RFC 7009: revoking a refresh token also revokes its access token."""
    row.access_revoked = True
    if token_type_hint != "access_token" or row.refresh_token_hash:
        row.refresh_revoked = True
