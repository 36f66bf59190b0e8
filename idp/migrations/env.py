"""Alembic environment: the one both apps share (webcommon/alembic_env.py)."""

from webcommon.alembic_env import run

run()
