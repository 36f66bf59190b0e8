"""The buzón electrónico: a notification per event, with an e-mail copy when consented."""

from __future__ import annotations

import sqlalchemy as sa

from .. import mail
from ..storage import Notification, VuceAccount, db

EMAIL_KIND = "notification"


def notify(
    account: VuceAccount, subject: str, body: str, *, tramite_id: int | None = None
) -> Notification:
    """Drop a notification in the account's buzón; queue the e-mail copy in the same transaction."""
    row = Notification(
        account_id=account.id, ruc=account.ruc, tramite_id=tramite_id, subject=subject, body=body
    )
    db.session.add(row)
    if account.notifications_consent and account.email:
        # [S0 VIII]: the e-mail complements the buzón; durable, sent by the mail worker
        mail.enqueue(account.email, f"VUCE - {subject}", body, EMAIL_KIND)
    db.session.flush()
    return row


def buzon(account: VuceAccount, scope: str) -> list[Notification]:
    """The notifications a user sees: its own, or every one of its RUC (SUPERVISOR)."""
    stmt = sa.select(Notification).order_by(Notification.id.desc())
    if scope == "ruc" and account.ruc:
        stmt = stmt.where(Notification.ruc == account.ruc)
    else:
        stmt = stmt.where(Notification.account_id == account.id)
    return list(db.session.scalars(stmt))
