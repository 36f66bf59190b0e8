"""The buzón electrónico: a notification per event, with an e-mail copy when consented;
entries are read when their addressee opens them, and unread ones are counted per component."""

from __future__ import annotations

import sqlalchemy as sa

from ..mail import enqueue as enqueue_mail
from ..storage import Notification, VuceAccount, db, utcnow

EMAIL_KIND = "notification"


def notify(
    account: VuceAccount,
    subject: str,
    body: str,
    *,
    tramite_id: int | None = None,
    component: str | None = None,
) -> Notification:
    """Drop a notification in the account's buzón; queue the e-mail copy in the same transaction."""
    row = Notification(
        account_id=account.id,
        ruc=account.ruc,
        tramite_id=tramite_id,
        component=component,
        subject=subject,
        body=body,
    )
    db.session.add(row)
    if account.notifications_consent and account.email:
        # [S0 VIII]: the e-mail complements the buzón; durable, sent by the mail worker
        enqueue_mail(account.email, f"VUCE - {subject}", body, EMAIL_KIND)
    db.session.flush()
    return row


def _visible(account: VuceAccount, scope: str):
    if scope == "ruc" and account.ruc:
        return Notification.ruc == account.ruc
    return Notification.account_id == account.id


def _in_component(component: str | None):
    # Entries of no trámite (none today) show in every component's buzón.
    if component is None:
        return sa.true()
    return sa.or_(Notification.component == component, Notification.component.is_(None))


def buzon(account: VuceAccount, scope: str, component: str | None = None) -> list[Notification]:
    """The notifications a user sees: its own, or every one of its RUC (SUPERVISOR)."""
    stmt = (
        sa.select(Notification)
        .where(_visible(account, scope), _in_component(component))
        .order_by(Notification.id.desc())
    )
    return list(db.session.scalars(stmt))


def open_entry(account: VuceAccount, scope: str, notification_id: int) -> Notification | None:
    """One entry the user may see (else None, exactly like a missing one); opening it marks it
    read when the user is its addressee (a SUPERVISOR reading another's entry does not)."""
    row = db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, _visible(account, scope))
    )
    if row is not None and row.account_id == account.id and row.read_at is None:
        row.read_at = utcnow()
        db.session.flush()
    return row


def unread_counts(account: VuceAccount) -> dict[str | None, int]:
    """The user's own unread entries per component (None: entries of no component)."""
    stmt = (
        sa.select(Notification.component, sa.func.count())
        .where(Notification.account_id == account.id, Notification.read_at.is_(None))
        .group_by(Notification.component)
    )
    return {component: count for component, count in db.session.execute(stmt)}
