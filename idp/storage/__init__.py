"""SQLAlchemy models (durable records); short-lived state lives in the kvstore."""

from . import audit, identities, oauth  # noqa: F401  (register every table on the metadata)
from .db import db

__all__ = ["db"]
