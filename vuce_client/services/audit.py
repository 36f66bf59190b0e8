"""Record audited events (domain.md §11)."""

from flask import has_request_context, request

from webcommon import request_id

from ..storage import AuditEvent, db


def record(
    event: str,
    *,
    account_key: str | None = None,
    component: str | None = None,
    reason: str | None = None,
    **detail,
) -> AuditEvent:
    """Add one audit row to the current transaction."""
    ip = request.remote_addr if has_request_context() else None
    row = AuditEvent(
        event=event,
        account_key=account_key,
        component=component,
        reason=reason,
        ip=ip,
        request_id=request_id.current(),
        detail={k: v for k, v in detail.items() if v is not None},
    )
    db.session.add(row)
    db.session.flush()
    return row
