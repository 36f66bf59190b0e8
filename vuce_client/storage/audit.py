"""Audit trail (domain.md §11): entry refusals with their reason, registrations, logouts…"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db import db, utcnow


class AuditEvent(db.Model):
    """One audited event; ``reason`` holds the entry-check reason code of a denial."""

    __tablename__ = "vuce_audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(sa.String(48), index=True)
    account_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    component: Mapped[str | None] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(48))
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    # the request that caused it (the same id is in both apps' logs)
    request_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
