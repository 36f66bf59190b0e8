"""Readiness: the database and the store answer."""

from sqlalchemy import text

from .db import discard_session


def readiness(db, store) -> tuple[bool, dict]:
    """(ready, checks) — each check is "ok" or "error: <kind>", never an exception."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        discard_session(db)
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        checks["store"] = "ok" if store.ping() else "error"
    except Exception as exc:
        checks["store"] = f"error: {type(exc).__name__}"
    return all(v == "ok" for v in checks.values()), checks
