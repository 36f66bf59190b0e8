"""Trámites: file a SUCE or a Consulta Técnica in a component and list what a user may see."""

from __future__ import annotations

import sqlalchemy as sa

from ..domain import tramites as rules
from ..domain.identity import UserType
from ..domain.roles import AGENTE_ADUANA, LABORATORIO
from ..storage import Tramite, VuceAccount, db
from . import audit, notifications


def file(
    account: VuceAccount, *, roles, user_type: str, kind: str, component: str, subject: str
) -> Tramite:
    """Create a trámite (needs OPERACION, Q9), record the role used, notify the buzón."""
    rules.check_can_file(roles, user_type)
    kind = rules.TramiteType(kind)
    component = rules.Component(component)
    subject = (subject or "").strip()[:200] or kind.label
    role = rules.filing_role(roles, user_type)
    row = Tramite(
        kind=kind.value,
        component=component.value,
        ruc=account.ruc,
        account_id=account.id,
        filed_role=role,
        subject=subject,
        state=rules.TramiteState.ENVIADO.value,
        linked_ruc=account.linked_ruc if role in (AGENTE_ADUANA, LABORATORIO) else None,
    )
    db.session.add(row)
    db.session.flush()
    notifications.notify(
        account,
        f"{kind.label} {row.number} registrada",
        f"Su {kind.label} {row.number} ({subject}) fue registrada en el componente "
        f"{component.label} y se encuentra en estado {rules.TramiteState.ENVIADO.label}.",
        tramite_id=row.id,
    )
    audit.record(
        "TRAMITE_FILED",
        account_key=account.account_key,
        component=component.name,
        tramite=row.number,
        role=role,
    )
    return row


def visible(
    account: VuceAccount, *, roles, user_type: str, component: str | None = None
) -> list[Tramite]:
    """The trámites a user sees: its own, or every one of its RUC (SUPERVISOR / principal)."""
    if user_type == UserType.EXTRANET or not account.ruc:
        return []
    stmt = sa.select(Tramite).order_by(Tramite.id.desc())
    if rules.visible_scope(roles, user_type) == "ruc":
        stmt = stmt.where(Tramite.ruc == account.ruc)
    else:
        stmt = stmt.where(Tramite.account_id == account.id)
    if component:
        stmt = stmt.where(Tramite.component == rules.Component(component).value)
    return list(db.session.scalars(stmt))
