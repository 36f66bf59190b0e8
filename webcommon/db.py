"""A Flask-SQLAlchemy handle per app with the naming convention both schemas use, and the
one clock of stored timestamps."""

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Named constraints so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_db() -> SQLAlchemy:
    """A separate metadata per app: the IdP and VUCE never share tables."""
    return SQLAlchemy(metadata=MetaData(naming_convention=NAMING))


def utcnow() -> datetime:
    """Naive UTC timestamp (every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)
