"""The audit trail: who did what to whom, before and after, when and from where."""

from .db import db, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    actor = db.Column(db.String(64), nullable=False)
    ruc = db.Column(db.String(11), index=True)
    action = db.Column(db.String(40), nullable=False)
    target = db.Column(db.String(64))
    before = db.Column(db.JSON)
    after = db.Column(db.JSON)
    ip = db.Column(db.String(64))
    request_id = db.Column(db.String(64), index=True)  # the request that caused it
