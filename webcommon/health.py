"""Readiness: the database and the store answer, and no demo load is still under way."""

import os
from pathlib import Path

from sqlalchemy import text

from .db import discard_session

# `vuce-sol up` writes its PID here while it loads the demo data into this instance folder
LOADING_FILE = "vuce_sol_loading"


def loading(instance_path: str | None) -> bool:
    """True while the launcher named in the instance's loading file is alive: a flag left by a
    launcher that was killed is ignored."""
    if not instance_path:
        return False
    try:
        pid = int((Path(instance_path) / LOADING_FILE).read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def readiness(db, store, instance_path: str | None = None) -> tuple[bool, dict]:
    """(ready, checks) — each check is "ok" or "error: <kind>" ("loading" for the demo data),
    never an exception."""
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
    if loading(instance_path):
        checks["demo_data"] = "loading"
    return all(v == "ok" for v in checks.values()), checks
