"""Consent remembered per account and third-party client."""

from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy import select

from ..storage.db import db
from ..storage.oauth import Consent


def covers(account: str, client_id: str, scope: str | None) -> bool:
    """True when every requested scope was granted before."""
    row = db.session.scalar(
        select(Consent).where(Consent.account == account, Consent.client_id == client_id)
    )
    return row is not None and set(scope_to_list(scope or "")) <= set(scope_to_list(row.scope))


def grant(account: str, client_id: str, scope: str) -> None:
    """Record (or widen) the consent."""
    row = db.session.scalar(
        select(Consent).where(Consent.account == account, Consent.client_id == client_id)
    )
    if row is None:
        db.session.add(Consent(account=account, client_id=client_id, scope=scope))
    else:
        row.scope = " ".join(sorted(set(scope_to_list(row.scope)) | set(scope_to_list(scope))))
    db.session.flush()
