"""This app's SQLAlchemy handle; the convention and the clock come from webcommon."""

from webcommon.db import NAMING, new_db, utcnow

db = new_db()

__all__ = ["NAMING", "db", "utcnow"]
