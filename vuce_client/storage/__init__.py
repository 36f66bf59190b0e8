"""VUCE's durable records (SQL), one module per concern; short-lived state lives in the store."""

from .accounts import VuceAccount
from .audit import AuditEvent
from .db import db, utcnow
from .notifications import Notification
from .tramites import Tramite

__all__ = ["AuditEvent", "Notification", "Tramite", "VuceAccount", "db", "utcnow"]
