"""``Notificacion`` (domain.md §4): a message in the user's buzón electrónico."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db import db, utcnow


class Notification(db.Model):
    """One buzón entry of one account (SUPERVISOR reads every entry of the RUC)."""

    __tablename__ = "vuce_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("vuce_accounts.id"), index=True)
    ruc: Mapped[str | None] = mapped_column(sa.String(11), index=True)
    tramite_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vuce_tramites.id"))
    # The component whose buzón shows it (its trámite's); unread counts are per component.
    component: Mapped[str | None] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
