"""``VuceCuenta`` (domain.md §4): one per SOL identity (RUC + usuario) or Extranet user."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db import db, utcnow


class VuceAccount(db.Model):
    """A VUCE account: registration data, the role it registered with, the last SOL snapshot."""

    __tablename__ = "vuce_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sol:RUC:USER or ext:EXT… (vuce_client.domain.identity.SolIdentity.account_key)
    account_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_type: Mapped[str] = mapped_column(sa.String(16))  # principal | secondary | extranet
    ruc: Mapped[str | None] = mapped_column(sa.String(11), index=True)
    sol_username: Mapped[str] = mapped_column(sa.String(16))
    sub: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    company_name: Mapped[str | None] = mapped_column(sa.String(255))

    # DATOS GENERALES USUARIO / Modificación de Datos
    names: Mapped[str | None] = mapped_column(sa.String(200))
    document_type: Mapped[str | None] = mapped_column(sa.String(16))
    document_number: Mapped[str | None] = mapped_column(sa.String(20))
    ubigeo: Mapped[str | None] = mapped_column(sa.String(6))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    fax: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    email_updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    notifications_consent: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    terms_version: Mapped[str | None] = mapped_column(sa.String(32))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    area: Mapped[str | None] = mapped_column(sa.String(120))  # Extranet only
    sub_area: Mapped[str | None] = mapped_column(sa.String(120))  # Extranet only

    # registration outcome
    registered_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    registered_as: Mapped[str | None] = mapped_column(sa.String(16))  # EMPRESA|AGENTE_ADUANA|LAB…
    linked_ruc: Mapped[str | None] = mapped_column(sa.String(11))
    linked_name: Mapped[str | None] = mapped_column(sa.String(255))
    linked_address: Mapped[str | None] = mapped_column(sa.String(255))
    linked_phones: Mapped[str | None] = mapped_column(sa.String(120))
    linked_email: Mapped[str | None] = mapped_column(sa.String(254))
    linked_fax: Mapped[str | None] = mapped_column(sa.String(40))

    # snapshot of the last SOL authentication (contingency needs it, Q15)
    last_roles: Mapped[list] = mapped_column(sa.JSON, default=list)
    last_status: Mapped[str | None] = mapped_column(sa.String(16))
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    @property
    def registered(self) -> bool:
        """True once the first-login registration is done."""
        return self.registered_at is not None

    @property
    def display_name(self) -> str:
        """The name shown in the menu (click it for Modificación de Datos)."""
        return self.names or self.sol_username
