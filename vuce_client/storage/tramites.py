"""``Tramite`` (domain.md §4): a SUCE or a Consulta Técnica filed in a component."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db import db, utcnow


class Tramite(db.Model):
    """One filing; ``filed_role`` is the role used at filing (message 4 counts agent/lab ones)."""

    __tablename__ = "vuce_tramites"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24))  # SUCE | CONSULTA_TECNICA
    component: Mapped[str] = mapped_column(sa.String(32))  # MERCANCIAS_RESTRINGIDAS | ORIGEN | …
    ruc: Mapped[str] = mapped_column(sa.String(11), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("vuce_accounts.id"), index=True)
    filed_role: Mapped[str | None] = mapped_column(sa.String(40))  # None: principal user
    linked_ruc: Mapped[str | None] = mapped_column(sa.String(11))
    subject: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(24), default="ENVIADO")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    # The competent entity that evaluates it; its Extranet officials move the state.
    entity: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    state_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    state_note: Mapped[str | None] = mapped_column(sa.String(500))  # the reason shown to the filer
    moved_by: Mapped[str | None] = mapped_column(sa.String(64))  # the official's account key

    @property
    def number(self) -> str:
        """The displayed number, e.g. SUCE-000012."""
        prefix = "SUCE" if self.kind == "SUCE" else "CT"
        return f"{prefix}-{self.id:06d}"
