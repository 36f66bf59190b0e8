"""Trámites: file a SUCE or a Consulta Técnica in a component, list what a user may see, and
let the competent entity's officials move them through evaluation."""

from __future__ import annotations

import sqlalchemy as sa

from ..domain import tramites as rules
from ..domain.identity import UserType
from ..domain.roles import AGENTE_ADUANA, LABORATORIO
from ..storage import Tramite, VuceAccount, db, utcnow
from . import audit, notifications


class TramiteNotFound(LookupError):
    """No such trámite among those the official's entity evaluates."""


def file(
    account: VuceAccount,
    *,
    roles,
    user_type: str,
    kind: str,
    component: str,
    subject: str,
    entity: str | None = None,
) -> Tramite:
    """Create a trámite (needs OPERACION, Q9), record the role used, notify the buzón."""
    rules.check_can_file(roles, user_type)
    kind = rules.TramiteType(kind)
    component = rules.Component(component)
    entity = rules.parse_entity(entity, component)
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
        entity=entity.value,
    )
    db.session.add(row)
    db.session.flush()
    notifications.notify(
        account,
        f"{kind.label} {row.number} registrada",
        f"Su {kind.label} {row.number} ({subject}) fue registrada en el componente "
        f"{component.label} y se encuentra en estado {rules.TramiteState.ENVIADO.label}.",
        tramite_id=row.id,
        component=component.value,
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


def _of_entity(entity: str, component: str):
    return (
        sa.func.upper(Tramite.entity) == " ".join(entity.split()).upper(),
        Tramite.component == rules.Component(component).value,
        Tramite.state != rules.TramiteState.BORRADOR.value,
    )


def for_entity(entity: str | None, component: str) -> list[Tramite]:
    """The filed trámites an official of ``entity`` evaluates in a component (drafts excluded)."""
    if not entity:
        return []
    stmt = sa.select(Tramite).where(*_of_entity(entity, component)).order_by(Tramite.id.desc())
    return list(db.session.scalars(stmt))


def move(
    official: VuceAccount, *, user_type: str, component: str, tramite_id: int, new: str, note=None
) -> Tramite:
    """An official moves a trámite of its entity one step; the filer's buzón (and e-mail copy,
    through the outbox, in the same transaction) hears of it."""
    row = None
    if user_type == UserType.EXTRANET and official.company_name:
        row = db.session.scalar(
            sa.select(Tramite)
            .where(Tramite.id == tramite_id, *_of_entity(official.company_name, component))
            .with_for_update()  # two officials moving it at once: the second sees the new state
        )
    if row is None:
        # Another entity's trámite looks exactly like a missing one.
        raise TramiteNotFound(tramite_id)
    before = row.state
    target, note = rules.check_move(
        user_type=user_type,
        official_entity=official.company_name,
        tramite_entity=row.entity,
        current=row.state,
        new=new,
        note=note,
    )
    row.state = target.value
    row.state_changed_at = utcnow()
    row.state_note = note
    row.moved_by = official.account_key
    filer = db.session.get(VuceAccount, row.account_id)
    kind = rules.TramiteType(row.kind)
    subject, body = rules.move_notice(row.number, kind.label, row.entity, target, note)
    notifications.notify(filer, subject, body, tramite_id=row.id, component=row.component)
    audit.record(
        "TRAMITE_STATE_CHANGED",
        account_key=official.account_key,
        component=rules.Component(row.component).name,
        tramite=row.number,
        before=before,
        after=target.value,
        entity=row.entity,
    )
    return row
