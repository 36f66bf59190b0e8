"""Record administrative and security events in the audit trail."""

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import func, select

from webcommon import request_id

from ..storage.audit import AuditEvent
from ..storage.db import db


def client_ip() -> str | None:
    """The caller's address (ProxyFix, when configured, has already applied X-Forwarded-For);
    the endpoints served below Flask (``web.machine``) leave it in ``g``."""
    if has_request_context():
        return request.remote_addr
    return g.get("client_ip") if has_app_context() else None


def record(action, *, actor: str, ruc=None, target=None, before=None, after=None, ip=None):
    """Add one audit row (flushed with the caller's transaction)."""
    event = AuditEvent(
        actor=actor,
        action=str(getattr(action, "value", action)),
        ruc=ruc,
        target=target,
        before=before,
        after=after,
        ip=ip if ip is not None else client_ip(),
        request_id=request_id.current(),
    )
    db.session.add(event)
    return event


def history(ruc: str, *, page: int = 1, per_page: int = 50):
    """The audit trail of one RUC, newest first: (events, total)."""
    page, per_page = max(1, int(page)), min(max(1, int(per_page)), 200)
    where = AuditEvent.ruc == ruc
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(where))
    rows = list(
        db.session.scalars(
            select(AuditEvent)
            .where(where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return rows, total
